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

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models.protection import TipWord
from portal.protection.sealed import after_sealing
from portal.protection.site_keys import blind
from portal.triage import rules

MAX_WORD = 64  # longer tokens (a pasted hash, a run of letters) are cut
_TOKENS = re.compile(r"[^\W_]+")


def _unspaced() -> re.Pattern[str]:
    data = rules._lang_data()  # noqa: SLF001 - the rule engine's own notion of the scripts
    return data["unspaced"]


def words(text: str) -> set[str]:
    """The index terms of a text."""
    folded = rules.fold(text)
    found: set[str] = set()
    unspaced = _unspaced()
    for token in _TOKENS.findall(folded):
        if not unspaced.search(token):
            found.add(token[:MAX_WORD])
            bare = rules.strip_diacritics(token)
            if bare != token:
                found.add(bare[:MAX_WORD])
            continue
        # Split into runs of unspaced letters and the rest (an English word glued to Thai).
        for run in re.findall(f"{unspaced.pattern}+|[^{unspaced.pattern[1:-1]}]+", token):
            if not unspaced.match(run):
                found.add(run[:MAX_WORD])
            elif len(run) < 2:
                found.add(run)
            else:
                found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def word_hash(term: str, key: bytes | None = None) -> int:
    """A term's keyed hash as a signed 64-bit number (compact in the index)."""
    return int.from_bytes(blind("word", term, key)[:8], "big", signed=True)


def hashes(text: str, key: bytes | None = None) -> list[int]:
    return sorted({word_hash(term, key) for term in words(text)})


def add_words(session: Session, tip_id: int, texts: Iterable[str]) -> None:
    """Index these texts of a tip (terms it already has are skipped)."""
    found = sorted({h for text in texts if text for h in hashes(text)})
    if not found:
        return
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(TipWord).on_conflict_do_nothing(index_elements=["word", "tip_id"])
    session.connection().execute(statement, [{"word": h, "tip_id": tip_id} for h in found])


def forget_words(session: Session, tip_ids: list[int]) -> None:
    session.connection().execute(delete(TipWord).where(TipWord.tip_id.in_(tip_ids)))


def tips_with_all(terms: list[int]) -> Select[Any]:
    """Ids of the tips that have every term (a SELECT)."""
    query = select(TipWord.tip_id).where(TipWord.word.in_(terms)).group_by(TipWord.tip_id)
    if len(terms) > 1:
        query = query.having(func.count(TipWord.word.distinct()) == len(terms))
    return query


# What the index holds of a tip: what the reporter wrote (description, link, answers), the
# reporter's messages and the text read from photos. Staff notes and staff messages are not
# indexed (staff search finds reports, not colleagues' words).
def _indexed_texts(obj: object, values: dict[str, object]) -> tuple[int | None, list[str]]:
    table = getattr(obj, "__tablename__", "")
    if table == "tips":
        texts = [str(values.get("description") or ""), str(values.get("link") or "")]
        answers = values.get("answers")
        if isinstance(answers, dict):
            texts += [str(v) for v in answers.values() if isinstance(v, str | int | float)]
        return getattr(obj, "id", None), texts
    if table == "messages" and getattr(obj, "author", None) == "reporter":
        return getattr(obj, "tip_id", None), [str(values.get("body") or "")]
    if table == "attachments" and values.get("ocr_text"):
        return getattr(obj, "tip_id", None), [str(values["ocr_text"])]
    return None, []


@after_sealing
def _index_sealed(session: Session, sealed: list[tuple[object, dict[str, object]]]) -> None:
    for obj, values in sealed:
        tip_id, texts = _indexed_texts(obj, values)
        if tip_id is not None and any(texts):
            add_words(session, tip_id, texts)
