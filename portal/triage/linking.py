"""Which indicators may link two tips together (pure logic, no database)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

_COMMON_DOMAINS = Path(__file__).parent / "data" / "linking_common_domains.txt"


class HasKindValue(Protocol):
    kind: str
    value: str


@functools.lru_cache(maxsize=1)
def common_domains() -> frozenset[str]:
    """Domains too common to link tips (platforms, shorteners, marketplaces)."""
    lines = _COMMON_DOMAINS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_linkable(kind: str, value: str) -> bool:
    """True if two tips sharing this indicator are likely about the same actor."""
    if kind == "domain":
        return value not in common_domains()
    return bool(value)


def linkable(indicators: Iterable[HasKindValue]) -> list[HasKindValue]:
    """The indicators that may link tips, in their original order."""
    return [i for i in indicators if is_linkable(i.kind, i.value)]
