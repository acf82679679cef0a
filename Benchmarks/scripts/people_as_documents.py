"""PER F1 of `recur label` (the tagger with the document rules Recur applies to pages) on
the names dev files, each sentence read as a document of its own, at a cut on the people's
confidence. `recur eval names` scores the tagger alone, sentence by sentence; this script
scores what `recur label --json` and `recur run` write, so a document rule can be judged on
gold names. The model card's figures for the people left out below a confidence
(`DocumentNames.unsurePeopleDropped`) come from it.

    recur eval names --mix training/names.mix --data ../shared/data --json \\
        --predictions /tmp/p.txt > /tmp/p.json
    python3 Benchmarks/scripts/people_as_documents.py --predictions /tmp/p.txt \\
        --report /tmp/p.json --recur .build/release/recur --cuts 0 0.5 0.6

`--predictions` and `--report` are read only for the dev sentences and their gold tags (the
mix's dev files one after another, types already renamed, sentences that occur in training
dropped). Each sentence's tokens are joined by spaces into a text file; `recur label --json`
labels them all (with the repository's models unless `RECUR_MODELS` says otherwise) and its
PER entities are scored against the gold PER spans by exact offsets. A file with more
sentences than `--sample` is scored on that many drawn at seed 1. With `--cuts`, each PER
mention below a cut is also left out on its own, as a first look at other cuts.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from unseen_names import spans  # this folder's script: IOB2 tags to (start, end, type)


def prediction_sentences(path):
    """Each sentence of `recur eval names --predictions` as (tokens, gold tags)."""
    block, result = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split(" ")
            if len(fields) < 3:
                if block:
                    result.append(([f[0] for f in block], [f[1] for f in block]))
                block = []
                continue
            block.append(fields)
    if block:
        result.append(([f[0] for f in block], [f[1] for f in block]))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--recur", default=".build/release/recur")
    parser.add_argument("--sample", type=int, default=4000)
    parser.add_argument("--cuts", type=float, nargs="*", default=[0])
    args = parser.parse_args()

    sentences = prediction_sentences(args.predictions)
    with open(args.report, encoding="utf-8") as lines:
        files = [json.loads(line) for line in lines if line.startswith("{")]
    if sum(f["sentences"] for f in files) != len(sentences):
        sys.exit("the report's sentence counts do not add up to the predictions' sentences")

    with tempfile.TemporaryDirectory() as folder:
        documents, first = [], 0
        for number, report in enumerate(files):
            chosen = list(range(first, first + report["sentences"]))
            first += report["sentences"]
            if len(chosen) > args.sample:
                chosen = sorted(random.Random(1).sample(chosen, args.sample))
            for index in chosen:
                tokens, gold = sentences[index]
                text, offsets = "", []
                for token in tokens:
                    if text:
                        text += " "
                    offsets.append((len(text), len(text) + len(token)))
                    text += token
                names = {(offsets[a][0], offsets[b - 1][1]) for a, b, kind in spans(gold) if kind == "PER"}
                path = os.path.join(folder, "%02d-%05d.txt" % (number, index))
                with open(path, "w", encoding="utf-8") as out:
                    out.write(text)
                documents.append((path, number, names))
        labelled = {}
        for start in range(0, len(documents), 2000):
            batch = [path for path, _, _ in documents[start : start + 2000]]
            run = subprocess.run([args.recur, "label", "--json", *batch], capture_output=True, text=True)
            for line in run.stdout.splitlines():
                if line.startswith("{"):
                    item = json.loads(line)
                    labelled[item["source"]] = item.get("entities") or []

    for cut in args.cuts:
        row = []
        for number, report in enumerate(files):
            found = wrong = missed = 0
            for path, owner, names in documents:
                if owner != number:
                    continue
                read = {
                    (e["start"], e["end"])
                    for e in labelled.get(path, [])
                    if e["type"] == "PER" and e["confidence"] >= cut
                }
                found += len(read & names)
                wrong += len(read - names)
                missed += len(names - read)
            precision = found / max(1, found + wrong)
            recall = found / max(1, found + missed)
            f1 = 2 * precision * recall / max(1e-9, precision + recall)
            row.append("%s PER P %.4f R %.4f F1 %.4f" % (report["data"], precision, recall, f1))
        print("cut %.2f: %s" % (cut, " | ".join(row)))


if __name__ == "__main__":
    main()
