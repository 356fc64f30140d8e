"""Where the portal's own data folders are: inside the package when installed from a wheel,
beside it in a checkout or an editable install (see setup.py)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def project_folder(name: str) -> Path:
    """`portal/<name>` when a wheel put it there, else `<checkout>/<name>`."""
    packaged = PACKAGE / name
    return packaged if packaged.is_dir() else PACKAGE.parent / name


def translations_folder() -> Path:
    """The folder of compiled catalogs: `<locale>/LC_MESSAGES/messages.mo`."""
    return project_folder("translations")


def migrations_folder() -> Path:
    """The Alembic scripts `flask db upgrade` runs."""
    return project_folder("migrations")
