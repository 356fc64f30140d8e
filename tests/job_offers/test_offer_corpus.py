"""The labelled offers of tests/job_offers/data: the checker's recall and false alarms, and
the job-offer triage score's ranking (AUC), on offers written for these tests (id, vi, en,
tl, ms, th, a few lo/km/my; both traps; ordinary ads that use the same words innocently).

``offer_corpus.yaml`` (260 offers) was written first and the rules were tuned on it.
``offer_heldout.yaml`` (70), written at the same time by another hand, was measured before
any tuning on it: recall 0.743, false alarms 0.029, AUC 0.847. ``offer_heldout2.yaml`` (80),
written later without seeing the rules or the other sets, measured before tuning: recall
0.800, false alarms 0.050, AUC 0.908. Both then showed real gaps (abbreviations such as
"tdk", fees paid to a named person, a government name hiding its private chat, "no" that
YAML had read as false), which were closed with general rules; so none of the three is
unseen any more, and the figures asserted here are on text the rules were shaped by.
``offer_unseen.yaml`` (60), written last, after the rules were final, was added as it came
and never tuned on: recall 0.967, false alarms 0.033, AUC 0.966 — the honest estimate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.job_offers.checker import check
from portal.triage.scoring import score

DATA = Path(__file__).with_name("data")
SETS = sorted(path.stem for path in DATA.glob("offer_*.yaml"))


def offers(name: str) -> list[dict]:
    return yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))["offers"]


def auc(scores: list[tuple[float, bool]]) -> float:
    positives = [value for value, scam in scores if scam]
    negatives = [value for value, scam in scores if not scam]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def test_the_corpus_is_big_and_varied_enough() -> None:
    main = offers("offer_corpus")
    assert len(main) >= 200
    langs = {o["lang"] for o in main}
    assert {"id", "vi", "en", "tl", "ms", "th"} <= langs
    scam = [o for o in main if o["label"] == "scam"]
    traps = {o["trap"] for o in scam}
    assert {"placement_fee", "unlicensed", "guaranteed_departure", "visit_visa", "irregular_route",
            "banned_destination", "gov_impersonation", "broker_fee", "deposit", "household_fee",
            "lpk_japan", "scam_compound"} <= traps
    assert 0.35 < len(scam) / len(main) < 0.65
    ids = [o["id"] for name in SETS for o in offers(name)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", SETS)
def test_checker_recall_and_false_alarms(name: str) -> None:
    missed, alarms, scams, ordinary = [], [], 0, 0
    for offer in offers(name):
        risk = check(offer["text"], lang=offer["lang"], country=offer["country"]).risk
        if offer["label"] == "scam":
            scams += 1
            if risk == "low":
                missed.append(offer["id"])
        else:
            ordinary += 1
            if risk != "low":
                alarms.append(offer["id"])
    recall, false_alarms = 1 - len(missed) / scams, len(alarms) / ordinary
    print(f"{name}: recall {recall:.3f}, false alarms {false_alarms:.3f}")
    assert recall >= 0.95, missed
    assert false_alarms <= 0.05, alarms


@pytest.mark.parametrize("name", SETS)
def test_the_triage_score_ranks_scams_above_ordinary_offers(name: str) -> None:
    scores = [
        (
            score("job-offer", offer["text"], country=offer["country"], lang=offer["lang"]).value,
            offer["label"] == "scam",
        )
        for offer in offers(name)
    ]
    value = auc(scores)
    print(f"{name}: AUC {value:.3f}")
    assert value >= 0.97 if name == "offer_corpus" else value >= 0.95
