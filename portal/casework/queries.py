"""Queue queries: filters, text search and keyset pagination, all index-backed."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    tuple_,
    union,
    union_all,
)

from portal.extensions import db
from portal.models import (
    MAX_ROW_ID,
    PRIORITY_RANK,
    Category,
    Indicator,
    Tip,
    TipAccess,
    TipIndicator,
    TipStatus,
    TipWord,
    row_id,
)
from portal.protection import words as search_words
from portal.protection.identifiers import index_of, tail_index
from portal.sanitize import has_unreadable_characters
from portal.triage.indicators import PAYMENT_KINDS, payment_suffixes, readings

PAGE_SIZE = 50
OPEN_STATUSES = [TipStatus.NEW, TipStatus.IN_REVIEW, TipStatus.ESCALATED, TipStatus.FORWARDED]
STATUS_GROUPS = {"open": OPEN_STATUSES, "closed": [s for s in TipStatus if s not in OPEN_STATUSES]}


class BadFilter(ValueError):
    """A filter value that makes no sense; the page shows it next to the filters."""


@dataclass(frozen=True, slots=True)
class QueueFilters:
    category: str = ""
    country: str = ""
    status: str = "open"
    priority: str = ""
    assignee: str = ""  # "", "me", "none" or a staff id
    attachments: str = ""  # "", "yes", "no"
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str]) -> QueueFilters:
        """Read filters from query-string values, refusing anything unexpected."""
        values = {f.name: (args.get(f.name) or "").strip()[:200] for f in fields(cls)}
        if "status" not in args:
            values["status"] = "open"
        filters = cls(**values)
        filters.validate()
        return filters

    def validate(self) -> None:
        for field in fields(self):  # a NUL byte cannot even be sent to PostgreSQL
            if has_unreadable_characters(getattr(self, field.name)):
                raise BadFilter(field.name)
        if self.category and self.category not in {c.value for c in Category}:
            raise BadFilter("category")
        if (
            self.status
            and self.status not in STATUS_GROUPS
            and self.status not in {s.value for s in TipStatus}
        ):
            raise BadFilter("status")
        if self.priority and self.priority not in PRIORITY_RANK:
            raise BadFilter("priority")
        if self.country and (len(self.country) != 2 or not self.country.isalpha()):
            raise BadFilter("country")
        if self.assignee and self.assignee not in ("me", "none") and row_id(self.assignee) is None:
            raise BadFilter("assignee")
        if self.attachments not in ("", "yes", "no"):
            raise BadFilter("attachments")
        for value in (self.date_from, self.date_to):
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise BadFilter("date") from None

    def as_args(self) -> dict[str, str]:
        """The non-empty filters, for links that keep them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def filtered(
    filters: QueueFilters, me: int | None, *, few_hits: bool = True, org_id: int | None = None
) -> Select:
    """SELECT tips matching the filters (no order, no limit) among those organisation
    `org_id` may see (None: the coordinator, every tip)."""
    query = select(Tip)
    if org_id is not None:
        query = query.join(TipAccess, and_(TipAccess.tip_id == Tip.id, TipAccess.org_id == org_id))
    if filters.category:
        query = query.where(Tip.category == filters.category)
    if filters.country:
        query = query.where(Tip.country == filters.country.upper())
    if filters.status in STATUS_GROUPS:
        query = query.where(Tip.status.in_(STATUS_GROUPS[filters.status]))
    elif filters.status:
        query = query.where(Tip.status == filters.status)
    if filters.priority:
        query = query.where(Tip.priority == filters.priority)
        if org_id is not None:
            # The same condition on the organisation's copy of the sort key (rank * 1000 +
            # 100 - score): the scan stays inside that priority's part of its index. Without
            # it, PostgreSQL's parallel workers read an organisation's whole range to find
            # that urgent tips sit at its front (656 ms p95 at 80,000 tips; now 41 ms).
            rank = PRIORITY_RANK[filters.priority] * 1000
            query = query.where(TipAccess.queue_rank.between(rank, rank + 999))
    if filters.assignee == "me":
        query = query.where(Tip.assignee_id == me)
    elif filters.assignee == "none":
        query = query.where(Tip.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Tip.assignee_id == int(filters.assignee))
    if filters.attachments:
        query = query.where(Tip.has_attachments.is_(filters.attachments == "yes"))
    # An organisation's queue filters dates on its own copy of created_at, inside its index.
    created = TipAccess.created_at if org_id is not None else Tip.created_at
    if filters.date_from:
        query = query.where(created >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(created < _start_of(filters.date_to) + timedelta(days=1))
    if filters.q:
        query = query.where(_search(filters.q, few_hits=few_hits))
    return query


def _start_of(day: str) -> datetime:
    from datetime import UTC

    return datetime.combine(date.fromisoformat(day), time.min, tzinfo=UTC)


# Up to this many hits, a search first collects the matching ids (fast for rare terms);
# beyond it, the queue is read in order and filtered (fast for common terms).
SEARCH_SET_LIMIT = 2000


def _indicator_hits(q: str) -> Select[Any] | None:
    """Tips with an identifier the search may mean, found by blind index: the exact readings
    of what was typed (a phone in each country's format, a domain, a handle), and for a
    bare number the account number at any bank or e-wallet."""
    exact = readings(q)
    matches: list[ColumnElement[bool]] = []
    if exact:
        matches.append(Indicator.value_index.in_(sorted(index_of(k, v) for k, v in exact)))
    if suffixes := payment_suffixes(q, exact):
        # "873 012 3456" finds BCA:8730123456; "0812-9988-7766" finds DANA:+6281299887766.
        tails = sorted(tail_index(end.removeprefix(":")) for end in suffixes)
        matches.append(and_(Indicator.kind.in_(PAYMENT_KINDS), Indicator.tail_index.in_(tails)))
    if not matches:
        return None
    return (
        select(TipIndicator.tip_id)
        .join(Indicator, Indicator.id == TipIndicator.indicator_id)
        .where(or_(*matches))
    )


def search_hits(q: str, *, distinct: bool = True) -> Select[Any] | CompoundSelect[Any]:
    """Ids of tips that have every word of the search in their text (the blind word index:
    description, link, answers, the reporter's messages, text read from photos), or an
    identifier it may mean (a phone typed in a local format is tried as a number of each
    country we serve, so "0812-3456-7890" finds "+6281234567890")."""
    parts: list[Select[Any]] = []
    if terms := search_words.query_hashes(q):
        parts.append(search_words.tips_with_all(terms))
    if (hits := _indicator_hits(q)) is not None:
        parts.append(hits)
    if not parts:
        return select(Tip.id).where(false())
    if len(parts) == 1:
        return parts[0].distinct() if distinct else parts[0]
    return (union if distinct else union_all)(*parts)


def _search(q: str, *, few_hits: bool) -> ColumnElement[bool]:
    if few_hits:
        hits = search_hits(q).cte("search_hits").prefix_with("MATERIALIZED", dialect="postgresql")
        return Tip.id.in_(select(hits.c[0]))
    # Each part as a correlated EXISTS, so the queue is read in its index order and filtered
    # (with IN (hashed subplan), PostgreSQL charges the subplan's start-up on every row).
    found: list[ColumnElement[bool]] = []
    if terms := search_words.query_hashes(q):
        found.append(
            and_(
                *(
                    select(TipWord.tip_id)
                    .where(TipWord.tip_id == Tip.id, TipWord.word == term)
                    .exists()
                    for term in terms
                )
            )
        )
    if (matching := _indicator_hits(q)) is not None:
        found.append(matching.where(TipIndicator.tip_id == Tip.id).exists())
    return or_(*found) if found else false()


def has_few_hits(q: str) -> bool:
    """True if a search matches few enough tips to collect their ids first.

    On PostgreSQL the planner's estimate decides (planning only, no scan: a bitmap
    scan of a common word would read a quarter of the table just to count it).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        limited = search_hits(q, distinct=False).limit(SEARCH_SET_LIMIT + 1).subquery()
        count = db.session.scalar(select(func.count()).select_from(limited)) or 0
        return count <= SEARCH_SET_LIMIT
    compiled = search_hits(q, distinct=False).compile(
        dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = (
        db.session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar()
    )
    return plan is not None and int(plan[0]["Plan"]["Plan Rows"]) <= SEARCH_SET_LIMIT


def encode_cursor(tip: Tip) -> str:
    raw = json.dumps([tip.queue_rank, tip.created_at.isoformat(), tip.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, created, tip_id = json.loads(raw)
        rank, tip_id = int(rank), int(tip_id)
        created = datetime.fromisoformat(created)
    except (ValueError, TypeError, OverflowError):  # JSON and base64 errors are ValueErrors
        raise BadFilter("cursor") from None
    if max(abs(rank), abs(tip_id)) > MAX_ROW_ID:  # the database could not compare them
        raise BadFilter("cursor")
    return rank, created, tip_id


def queue_page(
    filters: QueueFilters,
    me: int | None,
    after: str = "",
    limit: int = PAGE_SIZE,
    *,
    org_id: int | None = None,
) -> tuple[list[Tip], str | None]:
    """One page of the ranked queue (priority, score, age) and the cursor for the next.

    An organisation's queue is read in the order of its own access index (the sort key is
    copied there), so it is one range scan however many tips others hold."""
    few = has_few_hits(filters.q) if filters.q else True
    query = filtered(filters, me, few_hits=few, org_id=org_id)
    keys = (
        (TipAccess.queue_rank, TipAccess.created_at, TipAccess.tip_id)
        if org_id is not None
        else (Tip.queue_rank, Tip.created_at, Tip.id)
    )
    query = query.order_by(*keys)
    if after:
        rank, created, tip_id = decode_cursor(after)
        rank_col, created_col, id_col = keys
        if db.session.get_bind().dialect.name == "sqlite":
            created = created.replace(tzinfo=None) if created.tzinfo else created
            query = query.where(
                or_(
                    rank_col > rank,
                    and_(
                        rank_col == rank,
                        or_(
                            created_col > created,
                            and_(created_col == created, id_col > tip_id),
                        ),
                    ),
                )
            )
        else:
            query = query.where(tuple_(*keys) > tuple_(rank, created, tip_id))
    rows = list(db.session.scalars(query.limit(limit + 1)))
    cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], cursor
