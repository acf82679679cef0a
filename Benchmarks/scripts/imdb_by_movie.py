"""Writes a data folder whose IMDb file holds out whole movies, not random reviews.

The IMDb test split reviews other movies than its train split (Maas et al. 2011), but the
sentiment mix's `hold-out 0.1` draws reviews at random, so nearly every held-out review
has reviews of its own movie (its title, cast and story words) in training. The train
file keeps the reviews of a movie next to each other (`id` order within a label: a review
shares 1.9 capitalised words of four letters or more with its neighbour on average, 0.08
with a review drawn at random), so this script holds out runs of 100 neighbouring reviews, a tenth of
each label's runs (seed 13): apart from the movies cut at a run's two ends, no held-out
review's movie is trained on.

    python3 Benchmarks/scripts/imdb_by_movie.py --data ../shared/data --out /tmp/datax
    sed 's#^imdb/train.tsv .*#imdbm/train.tsv 0.5 imdbm/dev.tsv#' training/sentiment.mix \\
        > /tmp/by-movie.mix
    recur train sentiment --mix /tmp/by-movie.mix --data /tmp/datax --out /tmp/by-movie ...

`--out` gets a link to every folder of `--data` but `imdb`, and `imdbm/train.tsv` and
`imdbm/dev.tsv` (the IMDb layout, header included).
"""
import argparse
import os
import random
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the data folder (../shared/data)")
    parser.add_argument("--out", required=True, help="the folder to write")
    parser.add_argument("--run", type=int, default=100, help="neighbouring reviews held out together")
    parser.add_argument("--share", type=float, default=0.1, help="the share of each label's runs held out")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    source = os.path.join(args.data, "imdb", "train.tsv")
    try:
        with open(source, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except OSError as error:
        sys.exit(f"{source}: {error.strerror}")
    header, rows = lines[0], [line for line in lines[1:] if line]
    if header.split("\t")[:3] != ["label", "rating", "id"]:
        sys.exit(f"{source}: not the IMDb layout (header `label rating id text`)")

    rng = random.Random(args.seed)
    held = set()
    for label in ("pos", "neg"):
        indices = [index for index, row in enumerate(rows) if row.split("\t", 1)[0] == label]
        runs = [indices[start : start + args.run] for start in range(0, len(indices), args.run)]
        for run in rng.sample(runs, round(len(runs) * args.share)):
            held.update(run)

    os.makedirs(os.path.join(args.out, "imdbm"), exist_ok=True)
    for name in os.listdir(args.data):
        link = os.path.join(args.out, name)
        if name != "imdb" and os.path.isdir(os.path.join(args.data, name)) and not os.path.lexists(link):
            os.symlink(os.path.abspath(os.path.join(args.data, name)), link)
    for name, keep in (("train.tsv", False), ("dev.tsv", True)):
        chosen = [row for index, row in enumerate(rows) if (index in held) == keep]
        with open(os.path.join(args.out, "imdbm", name), "w", encoding="utf-8") as handle:
            handle.write("\n".join([header] + chosen) + "\n")
    print(f"{len(rows) - len(held)} training reviews, {len(held)} held out", file=sys.stderr)


if __name__ == "__main__":
    main()
