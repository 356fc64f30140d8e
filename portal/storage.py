"""Where uploaded files live: a directory outside the web root, behind one interface.

Several web hosts can share it (a network mount); an object store can replace it
by implementing the same three methods.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from portal.config import current_settings

_KEY = re.compile(r"^[0-9a-f]{2}/[A-Za-z0-9_-]{32}\.(jpg|png|webp)$")


class LocalStorage:
    """Files named by random keys, never by anything the uploader chose."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes, extension: str) -> str:
        """Store bytes under a new random key and return the key."""
        name = secrets.token_urlsafe(24)
        key = f"{secrets.token_hex(1)}/{name}.{extension}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return key

    def path(self, key: str) -> Path:
        """The file behind a key; refuses anything that is not a key we made."""
        if not _KEY.match(key):
            raise ValueError("not a storage key")
        return self.root / key

    def delete(self, key: str) -> None:
        """Remove a stored file if it exists."""
        self.path(key).unlink(missing_ok=True)


def current_storage() -> LocalStorage:
    """The upload store the settings name (UPLOAD_DIR)."""
    return LocalStorage(current_settings().upload_dir)
