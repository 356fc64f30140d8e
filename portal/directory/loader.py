"""Copy the validated support directory into the database, and read it back.

`load_directory` is what `flask support load FILE` runs; `current_services` is
what the help page reads. Both speak directory.py's `Service`, so its filters
(`for_country`, `emergency_contacts`) work the same on either source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from portal.directory.entries import ENTRY_KEYS, Channel, Service, load_services
from portal.extensions import db
from portal.models import utcnow
from portal.models.directory import SupportService

# The columns whose change makes an entry "updated". `position` is written too, but
# an entry that only moved because another was added or removed is not updated.
_FIELDS = tuple(sorted(ENTRY_KEYS - {"id"}))


@dataclass(frozen=True, slots=True)
class LoadResult:
    added: int
    updated: int
    removed: int


def service_fields(service: Service) -> dict[str, Any]:
    """A service's data as plain values (its table row, and its entry in a YAML file)."""
    return {
        "country": service.country,
        "name": dict(service.name),
        "organisation": service.organisation,
        "needs": list(service.needs),
        "channels": [asdict(channel) for channel in service.channels],
        "languages": list(service.languages),
        "serves_nationals_abroad": service.serves_nationals_abroad,
        "located_in": service.located_in,
        "source": list(service.source),
        "source_date": service.source_date,
        "confidence": service.confidence,
        "notes": service.notes,
    }


def _row_values(service: Service, position: int) -> dict[str, Any]:
    return {"position": position, **service_fields(service)}


def load_directory(path: str | Path) -> LoadResult:
    """Validate the YAML file, then make the table match it in one transaction.

    Raises ValueError (naming the file and the bad entry) before anything is
    written; entries no longer in the file are deleted.
    """
    services = load_services(path)
    existing = {row.id: row for row in db.session.scalars(select(SupportService))}
    added = updated = 0
    now = utcnow()
    try:
        for position, service in enumerate(services):
            values = _row_values(service, position)
            row = existing.pop(service.id, None)
            if row is None:
                db.session.add(SupportService(id=service.id, loaded_at=now, **values))
                added += 1
            elif any(getattr(row, key) != values[key] for key in _FIELDS):
                for key, value in values.items():
                    setattr(row, key, value)
                row.loaded_at = now
                updated += 1
            elif row.position != position:
                row.position = position
        for row in existing.values():
            db.session.delete(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return LoadResult(added=added, updated=updated, removed=len(existing))


def _service(row: SupportService) -> Service:
    return Service(
        id=row.id,
        country=row.country,
        name=dict(row.name),
        organisation=row.organisation,
        needs=tuple(row.needs),
        channels=tuple(Channel(**channel) for channel in row.channels),
        languages=tuple(row.languages),
        serves_nationals_abroad=row.serves_nationals_abroad,
        located_in=row.located_in,
        source=tuple(row.source),
        source_date=row.source_date,
        confidence=row.confidence,
        notes=row.notes,
    )


def current_services() -> list[Service]:
    """The published directory: the loaded rows in file order, or services.yaml if none are loaded."""
    rows = db.session.scalars(
        select(SupportService).order_by(SupportService.position, SupportService.id)
    ).all()
    if not rows:
        return load_services()
    return [_service(row) for row in rows]
