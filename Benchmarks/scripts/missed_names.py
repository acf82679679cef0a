"""How a names model misses the names of one type, per dev file: the gold names by how they
are written (lower case, capitalised, all capitals, mixed) and how many of each were found
with the exact span and type; the missed ones by what the model read instead (nothing,
another boundary of the same type, the same span as another type, another type elsewhere);
and the names it read that the gold does not hold, by what the gold has there.

    recur eval names --mix training/names.mix --data ../shared/data --json \\
        --predictions /tmp/p.txt > /tmp/p.json
    python3 Benchmarks/scripts/missed_names.py --predictions /tmp/p.txt --report /tmp/p.json \\
        --type PER [--examples 10]

The inputs are those of `unseen_names.py` (the same folder), whose readers this uses. The
names card's counts of WNUT-17's missed people (by writing and by kind) come from here.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unseen_names import sentences, spans  # noqa: E402


def writing(tokens):
    """How a name's words are written: lower, capitalised, capitals or mixed."""
    words = [token for token in tokens if any(character.isalpha() for character in token)]
    if not words:
        return "no letters"
    if all(word == word.lower() for word in words):
        return "lower"
    if all(word == word.upper() for word in words) and any(len(word) > 1 for word in words):
        return "capitals"
    if all(word[0].isupper() for word in words if word[0].isalpha()):
        return "capitalised"
    return "mixed"


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--type", default="PER")
    parser.add_argument("--examples", type=int, default=0, help="misses to show per kind (a seeded choice)")
    arguments = parser.parse_args()

    with open(arguments.report, encoding="utf-8") as lines:
        reports = [json.loads(line) for line in lines if line.strip()]
    predicted = list(sentences(arguments.predictions, " "))
    if sum(report["sentences"] for report in reports) != len(predicted):
        sys.exit("the predictions file does not hold the report's sentences")
    kind = arguments.type
    position = 0
    for report in reports:
        found, total, missed, false, shown = {}, {}, {}, {}, {}
        for block in predicted[position : position + report["sentences"]]:
            tokens = [row[0] for row in block]
            gold = spans([row[1] for row in block])
            guessed = spans([row[2] for row in block])
            for name in (entity for entity in gold if entity[2] == kind):
                how = writing(tokens[name[0] : name[1]])
                total[how] = total.get(how, 0) + 1
                if name in guessed:
                    found[how] = found.get(how, 0) + 1
                    continue
                near = [entity for entity in guessed if overlaps(entity, name)]
                if not near:
                    why = "read as O"
                elif any(entity[2] == kind for entity in near):
                    why = "another boundary"
                elif any(entity[:2] == name[:2] for entity in near):
                    why = "same span, another type"
                else:
                    why = "another type, another boundary"
                missed[why] = missed.get(why, 0) + 1
                context = " ".join(f"{row[0]}/{row[2]}" for row in block[max(0, name[0] - 2) : name[1] + 2])
                shown.setdefault(why, []).append(f"{' '.join(tokens[name[0]:name[1]])}  |  {context}")
            for name in (entity for entity in guessed if entity[2] == kind and entity not in gold):
                near = [entity for entity in gold if overlaps(entity, name)]
                if not near:
                    why = "gold O"
                elif any(entity[2] == kind for entity in near):
                    why = "another boundary"
                else:
                    why = "gold another type"
                false[why] = false.get(why, 0) + 1
        position += report["sentences"]
        if not total:
            continue
        print(f"{report['data']}: {sum(total.values())} {kind} names")
        for how in sorted(total, key=lambda key: -total[key]):
            print(f"  {how:12s} {total[how]:5d}  found {found.get(how, 0):5d}  ({found.get(how, 0) / total[how]:.1%})")
        print("  missed: " + ", ".join(f"{why} {count}" for why, count in sorted(missed.items(), key=lambda item: -item[1])))
        print(f"  read as {kind} but not in the gold: " + ", ".join(f"{why} {count}" for why, count in sorted(false.items(), key=lambda item: -item[1])))
        if arguments.examples:
            choice = random.Random(1)
            for why, lines in sorted(shown.items()):
                print(f"  -- {why}")
                for line in choice.sample(lines, min(arguments.examples, len(lines))):
                    print(f"     {line}")


if __name__ == "__main__":
    main()
