"""Building exports from queue filters: tips as CSV, their indicators as STIX 2.1.

Both are generators that read in keyset batches (by tip id, by indicator id), so an
export of a million tips holds one batch in memory, never the table. The CSV reads
only the columns it writes: the receipt hash, the submission key and the reporter's
own contact are never even loaded.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import stix2
from sqlalchemy import distinct, func, select

from portal.casework.queries import QueueFilters, filtered
from portal.extensions import db
from portal.models import Indicator, Tip, TipAccess, TipIndicator, utcnow
from portal.models.organisations import NO_ONWARD
from portal.models.staff import StaffUser
from portal.protection.identifiers import open_value
from portal.protection.sealed import open_tip_text, tip_text_columns
from portal.triage.indicators import PAYMENT_KINDS

BATCH_SIZE = 500

CSV_COLUMNS = (
    "id",
    "created_at",
    "category",
    "country",
    "lang",
    "status",
    "priority",
    "score",
    "urgent",
    "in_danger",
    "assignee",
    "cluster_id",
    "description",
    "link",
    "answers",
    "indicators",
    "score_rules",
)
# Exactly what the CSV shows. Never add Tip.receipt_hash, Tip.submission_key or Tip.contact:
# a reporter's own contact details must not leave the system in bulk.
_TIP_COLUMNS = (
    Tip.id,
    Tip.created_at,
    Tip.category,
    Tip.country,
    Tip.lang,
    Tip.status,
    Tip.priority,
    Tip.score,
    Tip.urgent,
    Tip.in_danger,
    Tip.assignee_id,
    Tip.cluster_id,
    *tip_text_columns(Tip),
    Tip.score_reasons,
)
# A spreadsheet runs a cell starting with these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Ids derived from this namespace are stable, so a partner's MISP dedupes re-exports.
STIX_NAMESPACE = uuid.UUID("2c4cae99-1905-48e1-9805-c1ad81ea3321")
PRODUCER = stix2.Identity(
    id=f"identity--{uuid.uuid5(STIX_NAMESPACE, 'identity:Waspada')}",
    created="2025-01-01T00:00:00Z",
    modified="2025-01-01T00:00:00Z",
    name="Waspada",
    identity_class="organization",
    description="Anonymous multilingual reporting portal for Southeast Asia.",
)
# STIX 2.1 has no phone-number object: phones are accounts of type "phone", and chat
# handles accounts of their platform (account_type is an open vocabulary).
_OBSERVABLE_PATHS = {"url": "url:value", "domain": "domain-name:value", "email": "email-addr:value"}
_ACCOUNT_KINDS = ("phone", "whatsapp", "telegram", "instagram", "tiktok", "facebook", "line")
# Payment identifiers have no STIX object either. E-wallets are accounts of their provider
# ("dana", "gcash"). Bank accounts and crypto wallets go out as the custom objects that
# misp-stix reads back into MISP: a "bank-account" object, a "btc" attribute, and a
# "coin-address" object for other chains (https://github.com/MISP/misp-stix).
STIX_KINDS = (*_OBSERVABLE_PATHS, *_ACCOUNT_KINDS, *PAYMENT_KINDS)


@stix2.CustomObject(
    "x-misp-object",
    [
        ("x_misp_name", stix2.properties.StringProperty(required=True)),
        ("x_misp_meta_category", stix2.properties.StringProperty()),
        ("x_misp_comment", stix2.properties.StringProperty()),
        ("x_misp_attributes", stix2.properties.ListProperty(stix2.properties.DictionaryProperty)),
    ],
)
class MispObject:
    """misp-stix's form of a MISP object (here "bank-account" and "coin-address")."""


@stix2.CustomObject(
    "x-misp-attribute",
    [
        ("x_misp_type", stix2.properties.StringProperty(required=True)),
        ("x_misp_category", stix2.properties.StringProperty()),
        ("x_misp_value", stix2.properties.StringProperty(required=True)),
        ("x_misp_comment", stix2.properties.StringProperty()),
    ],
)
class MispAttribute:
    """misp-stix's form of a single MISP attribute (here "btc")."""


def describe(filters: QueueFilters) -> str:
    """The filters as a query string, for the audit log ("all" when there are none). A search
    is recorded by its length only: it is often an identifier or words from a tip, and the
    audit log outlives the tips it names."""
    args = filters.as_args()
    searched = str(args.pop("q", ""))
    described = urlencode(args) or "all"
    return f"{described}, a search of {len(searched)} characters" if searched else described


def staff_names(org_id: int | None = None) -> dict[int, str]:
    """Usernames by id (a small table), for the assignee column and the filter form; only
    one organisation's people when `org_id` is given."""
    query = select(StaffUser.id, StaffUser.username)
    if org_id is not None:
        query = query.where(StaffUser.organisation_id == org_id)
    return dict(db.session.execute(query).all())


def count_tips(filters: QueueFilters, me_id: int | None, org_id: int | None = None) -> int:
    """How many tips match the filters."""
    matching = filtered(filters, me_id, org_id=org_id).with_only_columns(Tip.id).subquery()
    return db.session.scalar(select(func.count()).select_from(matching)) or 0


# --- CSV ---------------------------------------------------------------------------------


def neutralise_formula(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula; others unchanged."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def tips_csv(
    filters: QueueFilters, me_id: int | None, batch_size: int = BATCH_SIZE, org_id: int | None = None
) -> Iterator[str]:
    """The matching tips as CSV text, in chunks: a byte order mark and a header, then one
    chunk per batch. The mark lets Excel read Vietnamese or Thai as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    staff = staff_names(org_id)
    for rows in _tip_batches(filters, me_id, batch_size, org_id):
        indicators = _indicators_of([row.id for row in rows])
        for row in rows:
            # A cluster is named by its oldest tip, which a partner may not see.
            cells = _csv_cells(
                row,
                staff.get(row.assignee_id, ""),
                indicators.get(row.id, []),
                with_cluster=org_id is None,
            )
            writer.writerow([neutralise_formula(cell) for cell in cells])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _tip_batches(
    filters: QueueFilters, me_id: int | None, batch_size: int, org_id: int | None
) -> Iterator[Sequence[Any]]:
    """Keyset batches by id: each is a short query, so no cursor stays open while a slow
    client downloads."""
    query = (
        filtered(filters, me_id, org_id=org_id).with_only_columns(*_TIP_COLUMNS).order_by(Tip.id).limit(batch_size)
    )
    last_id = 0
    while True:
        rows = db.session.execute(query.where(Tip.id > last_id)).all()
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        last_id = rows[-1].id


def _indicators_of(tip_ids: list[int]) -> dict[int, list[str]]:
    """'kind:value' of each tip's indicators, raw (not defanged: this is for machines)."""
    rows = db.session.execute(
        select(TipIndicator.tip_id, Indicator.kind, Indicator.value_index, Indicator.value_sealed)
        .join(Indicator, Indicator.id == TipIndicator.indicator_id)
        .where(TipIndicator.tip_id.in_(tip_ids))
        .order_by(TipIndicator.tip_id, Indicator.id)
    )
    found: dict[int, list[str]] = {}
    for tip_id, kind, index, sealed in rows:
        found.setdefault(tip_id, []).append(f"{kind}:{open_value(index, sealed)}")
    return found


def _csv_cells(
    row: Any, assignee: str, indicators: list[str], *, with_cluster: bool = True
) -> list[str]:
    description, link, answers = open_tip_text(row)
    return [
        str(row.id),
        _iso_utc(row.created_at),
        row.category,
        row.country or "",
        row.lang,
        row.status,
        row.priority,
        str(row.score),
        _flag(row.urgent),
        _flag(row.in_danger),
        assignee,
        "" if row.cluster_id is None or not with_cluster else str(row.cluster_id),
        description,
        link,
        json.dumps(answers, ensure_ascii=False, sort_keys=True),
        ";".join(indicators),
        ";".join(reason["rule_id"] for reason in row.score_reasons or []),
    ]


def _flag(value: bool | None) -> str:
    return "true" if value else "false"


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time we store is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso_utc(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- STIX 2.1 ----------------------------------------------------------------------------


def count_indicators(filters: QueueFilters, me_id: int | None, org_id: int | None = None) -> int:
    """How many distinct indicators the matching tips mention (those STIX can express)."""
    tips = _matching_tip_ids(filters, me_id, org_id)
    return (
        db.session.scalar(
            select(func.count(distinct(TipIndicator.indicator_id)))
            .join(tips, tips.c.id == TipIndicator.tip_id)
            .join(Indicator, Indicator.id == TipIndicator.indicator_id)
            .where(Indicator.kind.in_(STIX_KINDS))
        )
        or 0
    )


def stix_pattern(kind: str, value: str) -> str:
    """A STIX 2.1 pattern that matches this indicator (quotes and backslashes escaped)."""
    literal = _literal(value)
    if kind in _OBSERVABLE_PATHS:
        return f"[{_OBSERVABLE_PATHS[kind]} = {literal}]"
    if kind in _ACCOUNT_KINDS:
        return f"[user-account:account_login = {literal} AND user-account:account_type = '{kind}']"
    if kind == "ewallet":
        provider, _sep, account = value.partition(":")
        return (
            f"[user-account:account_login = {_literal(account)} AND "
            f"user-account:account_type = '{provider.lower()}']"
        )
    raise ValueError(f"no STIX pattern for indicator kind {kind!r}")


def _literal(value: str) -> str:
    """A quoted STIX pattern string, quotes and backslashes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stix_indicator_id(kind: str, value: str, object_type: str = "indicator") -> str:
    """The same indicator gets the same id in every export."""
    return f"{object_type}--{uuid.uuid5(STIX_NAMESPACE, f'{kind}:{value}')}"


def stix_bundle(
    filters: QueueFilters,
    me_id: int | None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
    org_id: int | None = None,
) -> Iterator[str]:
    """A STIX 2.1 bundle as JSON text, in chunks: the producer identity, the TLP:AMBER
    marking, then one indicator per distinct indicator of the matching tips.

    Every object is built (and its pattern checked) by the stix2 library; only the
    bundle's envelope is written here, so it can stream.
    """
    now = _utc(now or utcnow())
    yield f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": ['
    yield PRODUCER.serialize() + ", " + stix2.TLP_AMBER.serialize()
    for batch in _indicator_batches(filters, me_id, batch_size, org_id):
        yield "".join(", " + _stix_object(*entry, now).serialize() for entry in batch)
    yield "]}\n"


def _matching_tip_ids(filters: QueueFilters, me_id: int | None, org_id: int | None) -> Any:
    query = filtered(filters, me_id, org_id=org_id).with_only_columns(Tip.id, Tip.category)
    if org_id is not None:
        # A machine-readable file is for sharing on: what came as AMBER+STRICT or RED stays
        # out of a partner's STIX export (it stays on the tip page and in its CSV).
        query = query.where(TipAccess.tlp.not_in(NO_ONWARD))
    return query.subquery()


def _first_seen(org_id: int | None) -> Any:
    """When an indicator was first seen: anywhere for the coordinator; for a partner, in
    the first tip it may see (the global date would tell of tips it may not see)."""
    if org_id is None:
        return Indicator.first_seen_at
    return (
        select(func.min(TipAccess.created_at))
        .join(TipIndicator, TipIndicator.tip_id == TipAccess.tip_id)
        .where(TipAccess.org_id == org_id, TipIndicator.indicator_id == Indicator.id)
        .scalar_subquery()
    )


def _indicator_batches(
    filters: QueueFilters, me_id: int | None, batch_size: int, org_id: int | None
) -> Iterator[list[tuple[str, str, datetime, dict[str, int]]]]:
    """(kind, value, first seen, tips mentioning it by category), keyset-batched by id."""
    tips = _matching_tip_ids(filters, me_id, org_id)
    mentioned = (
        select(TipIndicator.indicator_id)
        .join(tips, tips.c.id == TipIndicator.tip_id)
        .join(Indicator, Indicator.id == TipIndicator.indicator_id)
        .where(Indicator.kind.in_(STIX_KINDS))
        .group_by(TipIndicator.indicator_id)
        .order_by(TipIndicator.indicator_id)
        .limit(batch_size)
    )
    last_id = 0
    while True:
        ids = list(db.session.scalars(mentioned.where(TipIndicator.indicator_id > last_id)))
        if not ids:
            return
        first_seen = _first_seen(org_id)
        rows = db.session.execute(
            select(
                Indicator.id,
                Indicator.kind,
                Indicator.value_index,
                Indicator.value_sealed,
                first_seen,
                tips.c.category,
                func.count(),
            )
            .join(TipIndicator, TipIndicator.indicator_id == Indicator.id)
            .join(tips, tips.c.id == TipIndicator.tip_id)
            .where(Indicator.id.in_(ids))
            .group_by(
                Indicator.id,
                Indicator.kind,
                Indicator.value_index,
                Indicator.value_sealed,
                first_seen,
                tips.c.category,
            )
            .order_by(Indicator.id, tips.c.category)
        )
        batch: dict[int, tuple[str, str, datetime, dict[str, int]]] = {}
        for indicator_id, kind, index, sealed, seen, category, mentions in rows:
            entry = batch.setdefault(indicator_id, (kind, open_value(index, sealed), seen, {}))
            entry[3][category] = mentions
        yield list(batch.values())
        if len(ids) < batch_size:
            return
        last_id = ids[-1]


def _stix_object(
    kind: str, value: str, first_seen: datetime, by_category: dict[str, int], now: datetime
) -> Any:
    """The STIX object for one indicator: an Indicator with a pattern, or for a bank account
    or crypto wallet the custom object MISP imports."""
    if kind in ("bank_account", "crypto"):
        return _misp_payment(kind, value, first_seen, by_category, now)
    return _stix_indicator(kind, value, first_seen, by_category, now)


def _misp_payment(
    kind: str, value: str, first_seen: datetime, by_category: dict[str, int], now: datetime
) -> Any:
    """A bank account as MISP's "bank-account" object, a Bitcoin address as its "btc"
    attribute, another chain's address as a "coin-address" object (misp-stix's mapping)."""
    code, _sep, rest = value.partition(":")
    common = {
        "spec_version": "2.1",
        "created": min(_utc(first_seen), now),
        "modified": now,
        "created_by_ref": PRODUCER.id,
        "object_marking_refs": [stix2.TLP_AMBER.id],
        "x_misp_comment": _mentions(kind, by_category),
    }
    if kind == "crypto" and code == "btc":
        return MispAttribute(
            **{
                "id": stix_indicator_id(kind, value, "x-misp-attribute"),
                "labels": [
                    'misp:type="btc"',
                    'misp:category="Financial fraud"',
                    'misp:to_ids="True"',
                ],
                "x_misp_type": "btc",
                "x_misp_category": "Financial fraud",
                "x_misp_value": rest,
                **common,
            }
        )
    if kind == "crypto":
        name, attributes = (
            "coin-address",
            [
                {"type": "btc", "object_relation": "address", "value": rest, "to_ids": True},
                {"type": "text", "object_relation": "symbol", "value": code.upper()},
            ],
        )
    else:
        name, attributes = (
            "bank-account",
            [
                {
                    "type": "bank-account-nr",
                    "object_relation": "account",
                    "value": rest,
                    "to_ids": True,
                },
                {"type": "text", "object_relation": "institution-name", "value": code},
            ],
        )
    return MispObject(
        **{
            "id": stix_indicator_id(kind, value, "x-misp-object"),
            "labels": [f'misp:name="{name}"', 'misp:meta-category="financial"'],
            "x_misp_name": name,
            "x_misp_meta_category": "financial",
            "x_misp_attributes": attributes,
            **common,
        }
    )


def _mentions(kind: str, by_category: dict[str, int]) -> str:
    """How many tips of this export mention the indicator, by category."""
    total = sum(by_category.values())
    breakdown = ", ".join(f"{category}: {n}" for category, n in sorted(by_category.items()))
    return f"{kind} seen in reports to Waspada. Tips in this export that mention it: {total} ({breakdown})."


def _stix_indicator(
    kind: str, value: str, first_seen: datetime, by_category: dict[str, int], now: datetime
) -> stix2.Indicator:
    first_seen = min(_utc(first_seen), now)
    return stix2.Indicator(
        id=stix_indicator_id(kind, value),
        created=first_seen,
        # Each export is a new version of the object (its counts may have changed).
        modified=now,
        name=f"{kind} {value}",
        description=_mentions(kind, by_category),
        indicator_types=["malicious-activity"],
        labels=sorted(by_category),
        pattern=stix_pattern(kind, value),
        pattern_type="stix",
        pattern_version="2.1",
        valid_from=first_seen,
        created_by_ref=PRODUCER.id,
        object_marking_refs=[stix2.TLP_AMBER],
    )
