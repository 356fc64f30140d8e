"""The blind word index: staff find a tip by a word of its text; the database holds only
keyed hashes of its words.

Words are read as the triage rules read text (``rules.fold``: NFKC, case-folded, invisible
characters dropped, digits of every script as ASCII), split at anything that is not a
letter or digit. Vietnamese words are also indexed without their accents, so "lua dao"
finds "lừa đảo". Thai, Lao, Khmer and Burmese are written without spaces, and the rules
match inside running text rather than cutting it into words; the index does the same
with pairs of letters: a run of those scripts gives every two-letter pair, and a search
in them asks for every pair of the searched word (found where they all occur).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models.protection import TipWord
from portal.protection.sealed import after_sealing
from portal.protection.site_keys import blind
from portal.triage import rules

MAX_WORD = 64  # longer tokens (a pasted hash, a run of letters) are cut
MAX_QUERY_TERMS = 24  # a search asks for at most this many terms (the first ones)
# A word: letters and digits with the marks that belong to them (Thai and Khmer vowels and
# tone marks, Burmese medials, Vietnamese tones after NFKC are Mn/Mc: not \w).
_TOKENS = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff])+"
)


def _unspaced() -> re.Pattern[str]:
    data = rules._lang_data()  # noqa: SLF001 - the rule engine's own notion of the scripts
    return data["unspaced"]


@functools.cache
def _runs() -> re.Pattern[str]:
    """Runs of unspaced letters, and runs of anything else, inside one token."""
    letters = _unspaced().pattern
    return re.compile(f"{letters}+|[^{letters[1:-1]}]+")


def _terms(text: str, *, query: bool) -> list[str]:
    folded = rules.fold(text)
    found: list[str] = []
    unspaced = _unspaced()
    for token in _TOKENS.findall(folded):
        if not unspaced.search(token):
            found.append(token[:MAX_WORD])
            bare = rules.strip_diacritics(token)
            if bare != token and not query:
                found.append(bare[:MAX_WORD])
            continue
        # Runs of unspaced letters (with their marks) and the rest (an English word glued on).
        for run in _runs().findall(token):
            if not unspaced.match(run):
                found.append(run[:MAX_WORD])
            elif len(run) == 1:
                # A lone letter is indexed, but never required of a search that has more:
                # inside a longer run of the text it is only part of pairs.
                found.append(run)
            else:
                found.extend(run[i : i + 2] for i in range(len(run) - 1))
    return found


def words(text: str) -> set[str]:
    """The index terms of a text."""
    return set(_terms(text, query=False))


def query_terms(text: str) -> list[str]:
    """The terms a search for `text` requires: its words (Vietnamese as typed, accents or
    not: the index holds both), pairs of letters of the unspaced scripts, at most
    MAX_QUERY_TERMS of them."""
    terms = list(dict.fromkeys(_terms(text, query=True)))
    longer = [term for term in terms if len(term) > 1 or not _unspaced().match(term)]
    return (longer or terms)[:MAX_QUERY_TERMS]


def word_hash(term: str, key: bytes | None = None) -> int:
    """A term's keyed hash as a signed 64-bit number (compact in the index)."""
    return int.from_bytes(blind("word", term, key)[:8], "big", signed=True)


def hashes(text: str, key: bytes | None = None) -> list[int]:
    """The hashes the index holds for a text."""
    return sorted({word_hash(term, key) for term in words(text)})


def query_hashes(text: str) -> list[int]:
    """The hashes a search for `text` requires."""
    return sorted({word_hash(term) for term in query_terms(text)})


def add_words(session: Session, tip_id: int, texts: Iterable[str]) -> None:
    """Index these texts of a tip (terms it already has are skipped)."""
    found = sorted({h for text in texts if text for h in hashes(text)})
    if not found:
        return
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(TipWord).on_conflict_do_nothing(index_elements=["word", "tip_id"])
    session.connection().execute(statement, [{"word": h, "tip_id": tip_id} for h in found])


def tips_with_all(terms: list[int]) -> Select[Any]:
    """Ids of the tips that have every term (a SELECT)."""
    query = select(TipWord.tip_id).where(TipWord.word.in_(terms)).group_by(TipWord.tip_id)
    if len(terms) > 1:
        query = query.having(func.count(TipWord.word.distinct()) == len(terms))
    return query


# What the index holds of a tip: what the reporter wrote in the report itself (description,
# link, answers), which every organisation the tip is referred to reads. Messages and text read
# from photos are not indexed: an organisation the tip went to without them could otherwise
# probe their words through its own search (their identifiers are linked, as before).
def _indexed_texts(obj: object, values: dict[str, object]) -> tuple[int | None, list[str]]:
    if getattr(obj, "__tablename__", "") != "tips":
        return None, []
    texts = [str(values.get("description") or ""), str(values.get("link") or "")]
    answers = values.get("answers")
    if isinstance(answers, dict):
        texts += [str(v) for v in answers.values() if isinstance(v, str | int | float)]
    return getattr(obj, "id", None), texts


@after_sealing
def _index_sealed(session: Session, sealed: list[tuple[object, dict[str, object]]]) -> None:
    for obj, values in sealed:
        tip_id, texts = _indexed_texts(obj, values)
        if tip_id is not None and any(texts):
            add_words(session, tip_id, texts)
