"""Finding, publishing and disputing warnings: plain values in and out."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import utcnow
from portal.models.warnings import PublicWarning
from portal.triage.indicators import PAYMENT_KINDS, payment_suffixes, readings

PAGE = 50


def normalise_query(q: str) -> set[tuple[str, str]]:
    """What a typed identifier may mean: a phone in any local format, a link, a handle."""
    found = readings(q)
    plain = q.strip().lower().lstrip("@")
    if plain:
        found.update(
            (kind, plain)
            for kind in ("telegram", "instagram", "tiktok", "facebook", "line", "domain", "email")
        )
    return found


def published(q: str = "", limit: int = PAGE) -> list[PublicWarning]:
    """Warnings that are live now, newest first, optionally matching an identifier."""
    query = db.select(PublicWarning).where(PublicWarning.withdrawn_at.is_(None))
    if q:
        wanted = normalise_query(q)
        suffixes = payment_suffixes(q, wanted)
        if not wanted and not suffixes:
            return []
        named = db.tuple_(PublicWarning.kind, PublicWarning.value).in_(sorted(wanted))
        if suffixes:
            # A typed account number finds the warning about that bank account or e-wallet.
            named = db.or_(
                named,
                db.and_(
                    PublicWarning.kind.in_(PAYMENT_KINDS),
                    db.or_(*(PublicWarning.value.endswith(end) for end in sorted(suffixes))),
                ),
            )
        query = query.where(named)
    return list(
        db.session.scalars(
            query.order_by(PublicWarning.published_at.desc(), PublicWarning.id.desc()).limit(limit)
        )
    )


def find_published_by_indicators(indicators: list[tuple[str, str]]) -> list[PublicWarning]:
    """Live warnings about any of these (kind, value) identifiers."""
    if not indicators:
        return []
    return list(
        db.session.scalars(
            db.select(PublicWarning)
            .where(
                PublicWarning.withdrawn_at.is_(None),
                db.tuple_(PublicWarning.kind, PublicWarning.value).in_(sorted(set(indicators))),
            )
            .order_by(PublicWarning.published_at.desc())
        )
    )


def publish(
    kind: str,
    value: str,
    summary: dict[str, str],
    incident_date: date,
    source_tip_id: int | None,
    staff_id: int | None,
) -> PublicWarning:
    warning = PublicWarning(
        kind=kind,
        value=value,
        summary=summary,
        incident_date=incident_date,
        source_tip_id=source_tip_id,
        published_by=staff_id,
    )
    db.session.add(warning)
    db.session.flush()
    return warning


def withdraw(warning: PublicWarning) -> None:
    if warning.withdrawn_at is None:
        warning.withdrawn_at = utcnow()
