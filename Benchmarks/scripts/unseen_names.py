"""Entity F1 of a names model split by whether a name was seen in training: a gold or
predicted entity is "seen" when its words (ignoring case) are an entity anywhere in the
training files, "unseen" otherwise. The test splits hold more unseen names than the dev
files (a later time, other sites), so the unseen F1 says more about them than the overall.

    recur eval names --mix training/names.mix --data ../shared/data --json \\
        --predictions /tmp/p.txt > /tmp/p.json
    python3 Benchmarks/scripts/unseen_names.py --predictions /tmp/p.txt --report /tmp/p.json \\
        --train ../shared/data/conll2003/train.tsv ../shared/data/wnut17/train.tsv \\
        ../shared/data/wikiann_en/train.tsv

`--predictions` is `recur eval names --predictions` (token, gold, predicted; a blank line
between sentences; the mix's dev files one after another, types already renamed) and
`--report` its `--json` lines, which say how many sentences each file has. A name is seen
whatever type a training file gave it. The model card's unseen figures come from this
script.
"""
import argparse
import json
import sys


def spans(tags):
    """(start, end, type) of each entity of IOB2 tags; an I- after O or another type starts one."""
    found, start, kind = [], None, None
    for index, tag in enumerate(tags + ["O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != kind):
            if start is not None:
                found.append((start, index, kind))
            start, kind = None, None
            if tag != "O":
                start, kind = index, tag[2:]
    return found


def sentences(path, separator):
    block = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line.strip():
                if block:
                    yield block
                block = []
                continue
            block.append(line.split(separator))
    if block:
        yield block


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--train", nargs="+", required=True)
    arguments = parser.parse_args()

    seen = set()
    for path in arguments.train:
        for block in sentences(path, "\t"):
            tokens = [row[0] for row in block]
            for start, end, _ in spans([row[1] for row in block]):
                seen.add(" ".join(tokens[start:end]).lower())

    with open(arguments.report, encoding="utf-8") as lines:
        reports = [json.loads(line) for line in lines if line.strip()]
    predicted = list(sentences(arguments.predictions, " "))
    if sum(report["sentences"] for report in reports) != len(predicted):
        sys.exit("the predictions file does not hold the report's sentences")
    position = 0
    for report in reports:
        counts = {}
        for block in predicted[position : position + report["sentences"]]:
            tokens = [row[0] for row in block]
            gold = spans([row[1] for row in block])
            guessed = spans([row[2] for row in block])
            for side, entities in (("gold", gold), ("predicted", guessed)):
                for start, end, kind in entities:
                    split = "seen" if " ".join(tokens[start:end]).lower() in seen else "unseen"
                    for key in ((split, kind), (split, "overall")):
                        count = counts.setdefault(key, {"gold": 0, "predicted": 0, "correct": 0})
                        count[side] += 1
                        if side == "predicted" and (start, end, kind) in gold:
                            count["correct"] += 1
        position += report["sentences"]
        print(f"{report['data']}: {report['sentences']} sentences")
        print("split   type      gold  precision  recall  f1")
        for (split, kind), count in sorted(counts.items()):
            precision = count["correct"] / max(1, count["predicted"])
            recall = count["correct"] / max(1, count["gold"])
            f1 = 2 * precision * recall / max(1e-9, precision + recall)
            print(f"{split:7s} {kind:8s} {count['gold']:5d}  {precision:.4f}     {recall:.4f}  {f1:.4f}")


if __name__ == "__main__":
    main()
