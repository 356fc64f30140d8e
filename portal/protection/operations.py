"""Operating the keys: re-wrap everything under the newest key, prove everything opens."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select, update

from portal.config import current_settings
from portal.extensions import db
from portal.models import (
    AccessRequest,
    Attachment,
    Indicator,
    LegalHold,
    Message,
    Note,
    ProtectionKey,
    Referral,
    RelayRequest,
    StaffUser,
    Tip,
)
from portal.protection.files import open_sealed_file
from portal.protection.identifiers import open_value
from portal.protection.keys import Unreadable, associated, unwrap, wrap
from portal.protection.sealed import open_field, tip_aead
from portal.protection.site_keys import _ad, forget_site_keys, site_aead
from portal.storage import current_storage

BATCH = 500


@dataclass
class Rotation:
    key_id: str
    site_keys: int = 0
    data_keys: int = 0


def to_rotate() -> int:
    """Tips whose data key is wrapped by an older key."""
    newest = current_settings().data_keys.newest_id
    return db.session.scalar(select(func.count()).where(Tip.data_key_id != newest)) or 0


def rotate(progress: Callable[[int], None] | None = None) -> Rotation:
    """Re-wrap the site keys and every tip's data key under the newest key, a batch per
    transaction: stopped halfway, running it again goes on where it stopped. The data
    itself is not touched (its keys stay the same), and no index changes."""
    ring = current_settings().data_keys
    result = Rotation(ring.newest_id)
    for row in db.session.scalars(
        select(ProtectionKey).where(ProtectionKey.key_id != ring.newest_id)
    ):
        raw = unwrap(
            ring, row.key_id, row.wrapped, _ad(row.purpose), f"protection_keys.{row.purpose}"
        )
        row.key_id, row.wrapped = wrap(ring, raw, _ad(row.purpose))
        result.site_keys += 1
    db.session.commit()
    forget_site_keys()
    while True:
        rows = db.session.execute(
            select(Tip.id, Tip.data_key_id, Tip.data_key, Tip.seal_ref)
            .where(Tip.data_key_id != ring.newest_id)
            .order_by(Tip.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return result
        for tip_id, key_id, wrapped, ref in rows:
            if key_id is None or wrapped is None or ref is None:
                raise Unreadable(f"tips.data_key of tip {tip_id}: missing")
            ad = associated("tips", "data_key", bytes(ref))
            raw = unwrap(ring, key_id, bytes(wrapped), ad, f"tips.data_key of tip {tip_id}")
            new_id, new_wrapped = wrap(ring, raw, ad)
            db.session.execute(
                update(Tip)
                .where(Tip.id == tip_id, Tip.data_key_id == key_id)
                .values(data_key_id=new_id, data_key=new_wrapped)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        result.data_keys += len(rows)
        if progress:
            progress(len(rows))


@dataclass
class CheckReport:
    counts: dict[str, int] = field(default_factory=dict)  # rows checked, per table
    problems: list[str] = field(default_factory=list)  # "table row N: why" (never content)
    # Keys wrapped by each key-encryption key (tips' data keys and the site keys): an older
    # key may be removed only once none is left under it.
    wrapped_by: dict[str, int] = field(default_factory=dict)


def _batches(query: Any, key: Any) -> Iterator[Sequence[Any]]:
    last = 0
    while True:
        rows = db.session.execute(query.where(key > last).order_by(key).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


_TIP_FIELDS = (
    ("description_sealed", "text"),
    ("link_sealed", "text"),
    ("answers_sealed", "json"),
    ("contact_sealed", "text"),
)
_CHILDREN: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Message, ("body_sealed",)),
    (Note, ("body_sealed",)),
    (RelayRequest, ("body_sealed",)),
    (Attachment, ("ocr_sealed",)),
    (LegalHold, ("reason_sealed", "case_sealed")),
    (Referral, ("reason_sealed", "answer_sealed")),
    (AccessRequest, ("reason_sealed",)),
)


def check(progress: Callable[[int], None] | None = None) -> CheckReport:
    """Open every sealed value (and every photo file) with the configured keys."""
    report = CheckReport()
    ring = current_settings().data_keys

    def problem(table: str, row_id: Any, error: Exception) -> None:
        report.problems.append(f"{table} {row_id}: {error}")

    report.counts["protection_keys"] = 0
    for row in db.session.scalars(select(ProtectionKey)):
        report.counts["protection_keys"] += 1
        try:
            unwrap(
                ring, row.key_id, row.wrapped, _ad(row.purpose), f"protection_keys.{row.purpose}"
            )
        except Unreadable as error:
            problem("protection_keys", row.purpose, error)
    if report.problems:
        return report  # without the site keys nothing else can be told

    report.counts["tips"] = 0
    keys: dict[int, tuple[AESGCM, bytes] | None] = {}
    tip_columns = [getattr(Tip, name) for name, _ in _TIP_FIELDS]
    query = select(Tip.id, Tip.data_key_id, Tip.data_key, Tip.seal_ref, *tip_columns)
    for rows in _batches(query, Tip.id):
        for tip_id, key_id, wrapped, ref, *values in rows:
            report.counts["tips"] += 1
            try:
                aead = tip_aead(key_id, bytes(wrapped), bytes(ref), tip_id)
                keys[tip_id] = (aead, bytes(ref))
                for (name, kind), value in zip(_TIP_FIELDS, values, strict=True):
                    open_field(aead, "tips", name, ref, value, kind)
            except (Unreadable, TypeError, ValueError) as error:
                keys.setdefault(tip_id, None)
                problem("tips", tip_id, error)
        if progress:
            progress(len(rows))

    storage = current_storage()
    for model, columns in _CHILDREN:
        table = model.__tablename__
        report.counts[table] = 0
        extra = (Attachment.storage_key,) if model is Attachment else ()
        values = [getattr(model, column) for column in columns]
        query = select(model.id, model.tip_id, model.seal_ref, *values, *extra)
        for rows in _batches(query, model.id):
            for row_id, tip_id, ref, *rest in rows:
                report.counts[table] += 1
                opened = keys.get(tip_id)
                if opened is None:
                    problem(table, row_id, Unreadable("its tip's data key does not open"))
                    continue
                sealed, files = rest[: len(columns)], rest[len(columns) :]
                try:
                    for column, value in zip(columns, sealed, strict=True):
                        open_field(opened[0], table, column, ref, value)
                    if files:
                        stored = storage.path(files[0]).read_bytes()
                        open_sealed_file(opened[0], bytes(ref), stored)
                except (Unreadable, OSError, ValueError) as error:
                    problem(table, row_id, error)

    for key_id, count in db.session.execute(
        select(Tip.data_key_id, func.count())
        .where(Tip.data_key_id.is_not(None))
        .group_by(Tip.data_key_id)
    ):
        report.wrapped_by[str(key_id)] = report.wrapped_by.get(str(key_id), 0) + count
    for key_id, count in db.session.execute(
        select(ProtectionKey.key_id, func.count()).group_by(ProtectionKey.key_id)
    ):
        report.wrapped_by[key_id] = report.wrapped_by.get(key_id, 0) + count

    report.counts["staff_users"] = 0
    totp = site_aead("totp")
    for rows in _batches(
        select(StaffUser.id, StaffUser.seal_ref, StaffUser.totp_sealed), StaffUser.id
    ):
        for user_id, ref, sealed in rows:
            report.counts["staff_users"] += 1
            try:
                open_field(totp, "staff_users", "totp_sealed", ref, sealed)
            except Unreadable as error:
                problem("staff_users", user_id, error)

    report.counts["indicators"] = 0
    query = select(Indicator.id, Indicator.value_index, Indicator.value_sealed)
    for rows in _batches(query, Indicator.id):
        for indicator_id, index, sealed in rows:
            report.counts["indicators"] += 1
            try:
                open_value(index, sealed)
            except Unreadable as error:
                problem("indicators", indicator_id, error)
    return report
