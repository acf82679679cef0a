"""How often Recur calls a document `neutral`: on news (eight-sentence passages of CoNLL-2003
dev, Reuters) and on whole held-out reviews, at several cut-offs of the opinion share.

    recur train sentiment --mix training/sentiment.mix --out /tmp/m --dev-out /tmp/devsets
    python3 Benchmarks/scripts/neutral_share.py --recur .build/release/recur \\
        --model models/sentiment --dev /tmp/devsets --data ../shared/data

Each text is written to a file and labelled by `recur label --json --no-names`; the share
at a cut-off counts the documents whose opinion share is below it. The model card's neutral
tables come from this script.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

CUTOFFS = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
REVIEWS = (
    ("books", "blitzer-books-held-out.tsv", None),
    ("DVD", "blitzer-dvd-held-out.tsv", None),
    ("electronics", "blitzer-electronics-held-out.tsv", None),
    ("IMDb (400)", "imdb-train-held-out.tsv", 400),
    ("instruments (400)", "amazon_instruments-all-held-out.tsv", 400),
)


def news_passages(path, count=303, size=8):
    """Consecutive CoNLL sentences joined `size` at a time, spaces before punctuation undone."""
    sentences, current = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                if current:
                    sentences.append(current)
                current = []
            elif not line.startswith("-DOCSTART-"):
                current.append(line.split("\t")[0])
    if current:
        sentences.append(current)
    passages = []
    for start in range(0, len(sentences) - size + 1, size):
        text = " ".join(" ".join(words) for words in sentences[start : start + size])
        for spaced, joined in ((" ,", ","), (" .", "."), (" 's", "'s"), (" )", ")"), ("( ", "("), (" :", ":"), (" n't", "n't")):
            text = text.replace(spaced, joined)
        passages.append(text)
    return passages[:count]


def review_texts(path, limit):
    with open(path, encoding="utf-8") as handle:
        texts = [line.rstrip("\n").split("\t", 1)[1] for line in handle if "\t" in line]
    return texts[:limit] if limit else texts


def opinion_shares(recur, model, texts):
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index, text in enumerate(texts):
            path = os.path.join(folder, f"{index:05d}.txt")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            files.append(path)
        result = subprocess.run(
            [recur, "label", "--json", "--no-names", "--model", model] + files, capture_output=True, text=True
        )
    documents = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if len(documents) != len(texts):
        sys.exit(f"recur label gave {len(documents)} results for {len(texts)} texts: {result.stderr[-500:]}")
    return [document["sentiment"].get("opinion") for document in documents]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recur", default=".build/release/recur")
    parser.add_argument("--model", default="models/sentiment")
    parser.add_argument("--dev", required=True, help="the folder recur train sentiment --dev-out wrote")
    parser.add_argument("--data", default="../shared/data")
    arguments = parser.parse_args()
    sets = [("news passages", news_passages(os.path.join(arguments.data, "conll2003/dev.tsv")))]
    for name, file, limit in REVIEWS:
        path = os.path.join(arguments.dev, file)
        if os.path.exists(path):
            sets.append((name, review_texts(path, limit)))
        else:
            print(f"skipped {name}: no {path}", file=sys.stderr)
    print("| cut-off | " + " | ".join(name for name, _ in sets) + " |")
    print("|---" * (len(sets) + 1) + "|")
    shares = [[share for share in opinion_shares(arguments.recur, arguments.model, texts) if share is not None] for _, texts in sets]
    for cutoff in CUTOFFS:
        cells = [f"{100 * sum(1 for share in column if share < cutoff) / max(1, len(column)):.1f} %" for column in shares]
        print(f"| {cutoff} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
