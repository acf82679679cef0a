"""How well Recur's language guess (`LanguageGuesser`, used for text without a declared
language) tells English from other languages: on English review sentences and reviews (every
dev set `recur train sentiment --dev-out` writes) and on the text snippets of the
trafilatura evaluation pages, by the language each page declares (`<html lang>`).

    recur train sentiment --mix training/sentiment.mix --out /tmp/m --dev-out /tmp/devsets
    python3 Benchmarks/scripts/language_guess.py --recur .build/release/recur \\
        --dev /tmp/devsets --data ../shared/data

Each text goes through `recur label --json --no-names` and its `sentiment.language` is
read (null: no guess, scored as English). English rows guessed as another language are
labelled `unsupported` by Recur: the first table is that share. Snippet texts are the
page's gold snippets joined; pages declaring no language are skipped.
"""
import argparse
import collections
import glob
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile


def label_languages(recur, model, texts):
    """The guessed language of each text (None when there is no guess)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, text in enumerate(texts):
            path = os.path.join(folder, "t%06d.txt" % index)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            paths.append(path)
        guesses = []
        for start in range(0, len(paths), 2000):
            output = subprocess.run(
                [recur, "label", "--json", "--no-names", "--model", model] + paths[start:start + 2000],
                capture_output=True, text=True, check=False).stdout
            guesses += [json.loads(line)["sentiment"]["language"] for line in output.splitlines() if line.strip()]
        return guesses


def declared_language(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        head = handle.read(4000)
    match = re.search(r'<html[^>]*\blang="([a-zA-Z]{2})', head, re.IGNORECASE)
    return match.group(1).lower() if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recur", required=True)
    parser.add_argument("--model", default="models/sentiment")
    parser.add_argument("--dev", required=True, help="the folder of dev sets --dev-out wrote")
    parser.add_argument("--data", default="../shared/data")
    args = parser.parse_args()

    print("English rows guessed as another language (labelled unsupported)")
    print("| dev set | rows | not English |")
    print("|---|---|---|")
    for path in sorted(glob.glob(os.path.join(args.dev, "*.tsv"))):
        name = os.path.basename(path)[:-4]
        if "objective" in name or name.startswith("subj"):
            continue
        with open(path, encoding="utf-8") as handle:
            texts = [line.rstrip("\n").split("\t", 1)[1] for line in handle if "\t" in line]
        guesses = label_languages(args.recur, args.model, texts)
        wrong = collections.Counter(g for g in guesses if g not in (None, "en"))
        share = 100.0 * sum(wrong.values()) / max(1, len(guesses))
        print("| %s | %d | %.2f %% %s |" % (name, len(guesses), share, dict(wrong.most_common(4)) or ""))

    folder = os.path.join(args.data, "extraction", "trafilatura_eval")
    texts, declared = [], []
    for truth in sorted(glob.glob(os.path.join(folder, "ground-truth", "*.json"))):
        file_id = os.path.basename(truth)[:-5]
        pages = glob.glob(os.path.join(folder, "html", file_id + ".html*"))
        language = declared_language(pages[0]) if pages else None
        with open(truth, encoding="utf-8") as handle:
            snippets = json.load(handle)["ground_truth"].get("with") or []
        if language and snippets:
            texts.append(" ".join(snippets))
            declared.append(language)
    guesses = label_languages(args.recur, args.model, texts)
    print()
    print("Trafilatura evaluation pages' snippets, by declared language")
    print("| declared | pages | guessed right | no guess | guessed wrong |")
    print("|---|---|---|---|---|")
    by_language = collections.defaultdict(list)
    for language, guess in zip(declared, guesses):
        by_language[language].append(guess)
    for language, found in sorted(by_language.items(), key=lambda item: -len(item[1])):
        right = sum(1 for g in found if g == language)
        none = sum(1 for g in found if g is None)
        wrong = collections.Counter(g for g in found if g not in (None, language))
        print("| %s | %d | %d | %d | %d %s |" % (language, len(found), right, none, sum(wrong.values()),
                                                  dict(wrong.most_common(3)) or ""))


if __name__ == "__main__":
    sys.exit(main())
