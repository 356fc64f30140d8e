"""The support directory as administrators handle it: upload a file (validated whole, or
nothing changes), download what is published."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from portal.accounts.audit import audit
from portal.directory.entries import Service
from portal.directory.loader import LoadResult, current_services, load_directory, service_fields
from portal.extensions import db
from portal.models import StaffUser

FILE_MAX_BYTES = 2 * 1024 * 1024


class SupportFileRefused(ValueError):
    """The uploaded directory did not validate; the message is the loader's, naming the entry."""


def load_support_file(admin: StaffUser, content: bytes, filename: str) -> LoadResult:
    """Validate an uploaded directory file and make the table match it, or change nothing.

    The loader reads from a path and commits on its own, so the audit line for a
    successful load goes into a second transaction that the caller commits.
    """
    if len(content) > FILE_MAX_BYTES:
        raise SupportFileRefused("file too large")
    with tempfile.TemporaryDirectory(prefix="waspada-support-") as folder:
        path = Path(folder) / "upload.yaml"
        path.write_bytes(content)
        try:
            result = load_directory(path)
        except ValueError as problem:
            db.session.rollback()
            message = str(problem).replace(str(path), filename)
            audit(admin, "load_support_directory_refused", summary=filename, problem=message[:500])
            raise SupportFileRefused(message) from None
    audit(
        admin,
        "load_support_directory",
        summary=(
            f"{filename}: {result.added} added, {result.updated} updated, {result.removed} removed"
        ),
        added=result.added,
        updated=result.updated,
        removed=result.removed,
    )
    return result


def _entry(service: Service) -> dict[str, Any]:
    # The loader refuses an empty string for notes but reads a missing value as "".
    return {"id": service.id, **service_fields(service), "notes": service.notes or None}


def directory_yaml(now: datetime) -> str:
    """The published directory in the format `support load` and the upload accept."""
    data = {
        "exported": now.strftime("%Y-%m-%dT%H:%MZ"),
        "services": [_entry(service) for service in current_services()],
    }
    header = "# Waspada support directory, exported from the database.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
