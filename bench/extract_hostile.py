"""Indicator extraction on hostile text: each input of 20,000 characters (extract()'s limit)
built to make one stage work hard, against ordinary generated tips of the same total length
in the same run. Prints one JSON object; the ratio column is hostile time / ordinary time.

A stage that is quadratic on some input shows a ratio in the tens or hundreds (before the
payment stage was bounded: a run of "DANA/OVO/" names took 11.5 s, over 200 times ordinary
text). The checker page extracts synchronously, so this is also its worst case."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tipgen import generate  # noqa: E402
from portal.triage.indicators import MAX_CHARS, extract  # noqa: E402

HOSTILE = {
    "spaces after a bank": "BCA" + " " * (MAX_CHARS - 4) + "1",
    "account cues": "BCA " + "no rek " * 2800,
    "account cues and digits": "BCA " + "no rek 1 " * 2200,
    "bank names": "BCA BRI " * 2500,
    "bank names and digits": "BCA 12 " * 2800,
    "wallet list": "DANA/OVO/" * 2200 + " 0812",
    "wallet list in words": "DANA atau OVO atau " * 1000,
    "base58 look-alikes": ("T" + "a" * 33 + " ") * 570,
    "split base58 pieces": ("1" + "a" * 9 + " ") * 1900,
    "split hex": "0x" + " a" * 9990,
    "bech32 look-alikes": ("bc1" + "q" * 60 + "\n") * 300,
    "split bech32": "bc1" + " q" * 9990,
    "digits after a bank": "BCA " + "1 " * 9990,
    "long holder name": "BCA a.n. " + "Budi " * 3900,
    "Thai bank names": "กสิกร" * 4000,
    "Thai names and digits": "กสิกร 1" * 2800,
    "invisible characters": "BCA 1" + "\u200b" * (MAX_CHARS - 6) + "2",
}


def seconds(texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        extract(text[:MAX_CHARS], "ID")
    return time.process_time() - start


def main() -> None:
    tips = [text for _c, _l, _country, text in generate(3000, seed=7)]
    ordinary, total = [], 0
    for text in tips:  # ordinary tips adding up to one hostile input's length
        ordinary.append(text)
        total += len(text)
        if total >= MAX_CHARS:
            break
    seconds(ordinary)  # warm up patterns and caches
    base = min(seconds(ordinary) for _ in range(3))
    report = {"ordinary_seconds_per_20000_chars": round(base, 4)}
    for name, text in HOSTILE.items():
        took = min(seconds([text]) for _ in range(3))
        report[name] = {"seconds": round(took, 4), "ratio": round(took / base, 1)}
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
