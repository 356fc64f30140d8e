"""Shared checks for the rule engine's tests."""

from portal.triage import rules
from portal.triage.rules import RuleSet


def brute_force_hits(ruleset: RuleSet, text: rules.PreparedText) -> dict[str, rules.RuleHit]:
    """The hits found by running every rule's regex on the text: what the index must equal."""
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for rule_index, var_index, scan in ruleset.plan:
        if scan.lang and scan.lang not in text.langs:
            continue
        haystack = text.stripped if scan.stripped else text.folded
        spans.setdefault(rule_index, []).extend(
            (var_index, *m.span()) for m in list(scan.rx.finditer(haystack))[:40]
        )
    hits = (rules._hit(ruleset.rules[i], found, text) for i, found in sorted(spans.items()))
    return {hit.rule_id: hit for hit in hits if hit}
