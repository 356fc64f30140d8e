"""The keys that keep what reporters wrote unreadable at rest.

Envelope encryption (AES-256-GCM from ``cryptography``): every tip has its own random
data key, stored only *wrapped* by a key-encryption key (KEK). The KEKs never live in
the database or its backups: they come from ``WASPADA_DATA_KEYS`` (inline) or
``WASPADA_DATA_KEYS_FILE`` (a file), one ``id:base64`` entry each, newest first — the
first one wraps, all of them unwrap. Outside production, a development key is made
once in the instance folder.

A few site-wide keys (the blind-index key, the key of identifier values, the key of
staff TOTP secrets) are random too, and are kept wrapped by the KEK in the table
``protection_keys``: rotating a KEK re-wraps them and rebuilds no index.

Every ciphertext carries associated data naming its table, its column and its row's own
random reference (``seal_ref``, made before the row is first written, when its id is not
known yet), and a tip's rows are sealed with that tip's own key: a ciphertext copied into
another column, another tip's row, or another row that keeps its own reference does not
decrypt. (Copying a row's reference along with its ciphertexts, within one tip, is not
caught: that is rewriting the row, not moving a value.)
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"  # first byte of every sealed value: the format, for a later change
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
DEV_KEYS_FILE = "data_keys"


class KeySetupError(RuntimeError):
    """The keys are missing or malformed (a configuration problem: one clear line)."""


class Unreadable(Exception):
    """A ciphertext that does not open: its key is gone, or it was moved or altered.

    The message names only where it was (table, column, row), never any content."""


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Key-encryption keys, newest first: the first wraps, all unwrap."""

    keys: tuple[tuple[str, bytes], ...]
    source: str  # where they came from (an environment variable or a file), for messages

    @property
    def newest_id(self) -> str:
        return self.keys[0][0]

    def get(self, key_id: str) -> bytes | None:
        for candidate, key in self.keys:
            if candidate == key_id:
                return key
        return None

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing({[key_id for key_id, _ in self.keys]}, from {self.source})"


def parse_keys(text: str, source: str) -> KeyRing:
    """`id:base64` entries separated by commas, spaces or lines; `#` starts a comment."""
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        entries += [part for part in re.split(r"[\s,]+", line) if part]
    if not entries:
        raise KeySetupError(f"{source} holds no key")
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate(entries, 1):
        key_id, colon, encoded = entry.partition(":")
        if not colon or not _KEY_ID.match(key_id):
            raise KeySetupError(
                f"{source}: key {number} is not written as id:base64 (the id is up to 32 "
                "letters, digits, '.', '_' or '-')"
            )
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise KeySetupError(f"{source}: key {key_id!r} is not base64") from None
        if len(key) != KEY_BYTES:
            raise KeySetupError(f"{source}: key {key_id!r} is {len(key)} bytes, not {KEY_BYTES}")
        if any(key_id == seen for seen, _ in keys):
            raise KeySetupError(f"{source}: the key id {key_id!r} is used twice")
        keys.append((key_id, key))
    return KeyRing(tuple(keys), source)


def new_key_line(key_id: str | None = None) -> str:
    """A fresh key entry, `id:base64`, for a key file or the environment."""
    key_id = key_id or datetime.now(UTC).strftime("k%Y%m%d%H%M%S")
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")
    return f"{key_id}:{encoded}"


GENERATE_HINT = "make one with `python -m portal.protection new-key`"


def keyring_from_env(
    environ: Mapping[str, str], instance_path: Path, *, production: bool
) -> KeyRing:
    """The KEKs the environment names; outside production, development keys if none."""
    inline = environ.get("WASPADA_DATA_KEYS", "").strip()
    path = environ.get("WASPADA_DATA_KEYS_FILE", "").strip()
    if inline and path:
        raise KeySetupError("set WASPADA_DATA_KEYS or WASPADA_DATA_KEYS_FILE, not both")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise KeySetupError(
                f"WASPADA_DATA_KEYS_FILE {path} cannot be read ({type(error).__name__})"
            ) from None
        return parse_keys(text, f"WASPADA_DATA_KEYS_FILE ({path})")
    if inline:
        return parse_keys(inline, "WASPADA_DATA_KEYS")
    if production:
        raise KeySetupError(
            "production needs the data keys that protect reports: set WASPADA_DATA_KEYS_FILE "
            f"(or WASPADA_DATA_KEYS); {GENERATE_HINT}"
        )
    return development_keys(instance_path)


def development_keys(instance_path: Path) -> KeyRing:
    """A key made once in instance/ (never in the repository), its place printed once."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / DEV_KEYS_FILE
    source = f"development key file {key_file}"
    if not key_file.exists():
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (web or worker) made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(
                    "# Waspada development data key: without it this instance's reports cannot"
                    " be read.\n" + new_key_line("dev1") + "\n"
                )
            print(
                f"Waspada: made a development data key in {key_file}; keep it with the database.",
                file=sys.stderr,
            )
    for _ in range(50):  # the other process may still be writing it
        text = key_file.read_text(encoding="utf-8")
        if text.endswith("\n"):
            return parse_keys(text, source)
        time.sleep(0.02)
    return parse_keys(key_file.read_text(encoding="utf-8"), source)


# --- sealing ---------------------------------------------------------------------------


def associated(table: str, column: str, ref: bytes) -> bytes:
    """The associated data that binds a ciphertext to its table, column and row."""
    return f"waspada:{table}.{column}:".encode() + ref


def seal(key: AESGCM, plaintext: bytes, ad: bytes) -> bytes:
    """VERSION + nonce + ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + key.encrypt(nonce, plaintext, ad)


def open_sealed(key: AESGCM, sealed: bytes, ad: bytes, where: str) -> bytes:
    """The plaintext, or Unreadable naming only `where`."""
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
        raise Unreadable(f"{where}: not a sealed value")
    try:
        return key.decrypt(sealed[1 : 1 + NONCE_BYTES], bytes(sealed[1 + NONCE_BYTES :]), ad)
    except InvalidTag:
        raise Unreadable(f"{where}: does not decrypt (moved, altered or wrong key)") from None


def wrap(ring: KeyRing, data_key: bytes, ad: bytes) -> tuple[str, bytes]:
    """The data key wrapped by the newest KEK, with that KEK's id."""
    key_id, kek = ring.keys[0]
    return key_id, seal(AESGCM(kek), data_key, b"wrap:" + ad)


def unwrap(ring: KeyRing, key_id: str, wrapped: bytes, ad: bytes, where: str) -> bytes:
    kek = ring.get(key_id)
    if kek is None:
        raise Unreadable(f"{where}: wrapped by key {key_id!r}, which is not configured")
    return open_sealed(AESGCM(kek), wrapped, b"wrap:" + ad, where)
