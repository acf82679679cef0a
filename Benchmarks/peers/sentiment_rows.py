"""The lexicon peers (VADER, TextBlob) on the same rows as `recur train sentiment --dev-out`
writes: `label<TAB>text`, label pos/neg or subjective/objective. Run with the peers'
virtual environment:

    /tmp/peers/bin/python sentiment_rows.py DEV_FOLDER/*.tsv

Polarity rows: accuracy and balanced accuracy (the mean of the per-class recalls), a score
of 0 or more read as positive, as ../shared/bench/sentiment_peers.py does. Opinion rows:
VADER calls a text subjective when |compound| >= 0.05 (its own neutral band), TextBlob when
its subjectivity is 0.5 or more. Prints one line per file and peer.
"""
import sys
import time

from textblob import TextBlob
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def rows(path):
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                out.append((label, text))
    return out


def scores(gold, guesses):
    right = {}
    count = {}
    for label, guess in zip(gold, guesses):
        count[label] = count.get(label, 0) + 1
        right[label] = right.get(label, 0) + (label == guess)
    accuracy = sum(right.values()) / max(1, len(gold))
    balanced = sum(right[label] / count[label] for label in count) / max(1, len(count))
    return accuracy, balanced


def main():
    vader = SentimentIntensityAnalyzer()
    for path in sys.argv[1:]:
        data = rows(path)
        gold = [label for label, _ in data]
        opinion = gold[0] in ("subjective", "objective")
        if opinion:
            peers = {
                "VADER": lambda t: "subjective" if abs(vader.polarity_scores(t)["compound"]) >= 0.05 else "objective",
                "TextBlob": lambda t: "subjective" if TextBlob(t).sentiment.subjectivity >= 0.5 else "objective",
            }
        else:
            peers = {
                "VADER": lambda t: "pos" if vader.polarity_scores(t)["compound"] >= 0 else "neg",
                "TextBlob": lambda t: "pos" if TextBlob(t).sentiment.polarity >= 0 else "neg",
            }
        for name, peer in peers.items():
            start = time.perf_counter()
            guesses = [peer(text) for _, text in data]
            seconds = time.perf_counter() - start
            accuracy, balanced = scores(gold, guesses)
            print(
                f"{path}: {name:<8} accuracy {accuracy:.4f}  balanced {balanced:.4f}  "
                f"{len(data) / seconds:,.0f} texts/s (n={len(data)})"
            )


if __name__ == "__main__":
    main()
