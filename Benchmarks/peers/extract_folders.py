#!/usr/bin/env python3
"""trafilatura (the peer) scored on WCXB-layout folders the way `recur eval extract`
scores Recur: mean word F1 over the pages with a full reference text (lower-cased word
runs, multiset overlap), snippet rates over the pages with with[]/without[] snippets
(found, kept, precision, F1 as trafilatura's own evaluation counts them), and English
pages apart from other languages where the folder has a meta.tsv (a `lang` column
starting with `en`, else `en_stopword_ratio...` >= 0.10).

Usage: /tmp/peers/bin/python extract_folders.py DIR [DIR ...] [--fast]
Needs: pip install trafilatura (see ../shared/bench/README.md).
"""
import collections, gzip, json, re, sys, time
from pathlib import Path

import trafilatura


def words(text):
    return re.findall(r"\w+", (text or "").lower())


def f1(extracted, reference):
    got, want = collections.Counter(words(extracted)), collections.Counter(words(reference))
    if not got and not want:
        return 1.0
    if not got or not want:
        return 0.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def english_pages(folder):
    meta = folder / "meta.tsv"
    if not meta.exists():
        return {}
    rows = [line.rstrip("\n").split("\t") for line in open(meta, encoding="utf-8")]
    header, result = rows[0], {}
    lang = header.index("lang") if "lang" in header else None
    ratio = next((i for i, name in enumerate(header) if name.startswith("en_stopword_ratio")), None)
    for row in rows[1:]:
        if lang is not None and lang < len(row) and row[lang]:
            result[row[0]] = row[lang].lower().startswith("en")
        elif ratio is not None and ratio < len(row) and row[ratio]:
            result[row[0]] = float(row[ratio]) >= 0.1
    return result


def summary(pages):
    scored = [p["f1"] for p in pages if p["f1"] is not None]
    found = sum(p["found"] for p in pages)
    kept = sum(p["kept"] for p in pages)
    total_with = sum(p["with"] for p in pages)
    total_without = sum(p["without"] for p in pages)
    out = {"pages": len(pages)}
    if scored:
        out["mean_f1"] = round(sum(scored) / len(scored), 4)
    if total_with + total_without:
        precision = found / max(1, found + kept)
        recall = found / max(1, total_with)
        out.update(
            with_recall=round(recall, 4),
            without_leakage=round(kept / max(1, total_without), 4),
            snippet_precision=round(precision, 4),
            snippet_f1=round(2 * precision * recall / (precision + recall) if precision + recall else 0, 4),
        )
    return out


def main():
    fast = "--fast" in sys.argv
    for name in [a for a in sys.argv[1:] if not a.startswith("--")]:
        folder = Path(name)
        english = english_pages(folder)
        rows = [line.rstrip("\n").split("\t") for line in open(folder / "index.tsv", encoding="utf-8")][1:]
        pages, seconds, size = [], 0.0, 0
        for row in rows:
            page_id, url = row[0], row[2] if len(row) > 2 else ""
            html = gzip.open(folder / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8", errors="replace").read()
            truth = json.load(open(folder / "ground-truth" / f"{page_id}.json", encoding="utf-8"))["ground_truth"]
            size += len(html.encode())
            start = time.perf_counter()
            try:
                text = trafilatura.extract(html, url=url or None, no_fallback=fast) or ""
            except Exception:
                text = ""
            seconds += time.perf_counter() - start
            lowered = text.lower()
            reference = truth.get("main_content") or ""
            pages.append(
                {
                    "f1": f1(text, reference) if reference else None,
                    "found": sum(1 for s in truth.get("with") or [] if s.lower() in lowered),
                    "kept": sum(1 for s in truth.get("without") or [] if s.lower() in lowered),
                    "with": len(truth.get("with") or []),
                    "without": len(truth.get("without") or []),
                    "english": english.get(page_id),
                }
            )
        result = summary(pages)
        if english:
            result["english"] = summary([p for p in pages if p["english"] is True])
            result["other_languages"] = summary([p for p in pages if p["english"] is False])
        result["mb_per_s"] = round(size / 1e6 / max(seconds, 1e-9), 2)
        print(json.dumps({"folder": name, "trafilatura" + ("-fast" if fast else ""): result}), flush=True)


if __name__ == "__main__":
    main()
