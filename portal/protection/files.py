"""Photo files sealed in the uploads folder with their tip's data key, each bound to its
attachment row's reference: a file copied under another row's name does not open."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.protection.keys import NONCE_BYTES, associated, open_sealed, seal
from portal.protection.sealed import aead_for, ensure_ref

# What sealing adds to a file: the format byte, the nonce and the tag.
SEAL_OVERHEAD = 1 + NONCE_BYTES + 16


def seal_file(aead: AESGCM, ref: bytes, data: bytes) -> bytes:
    return seal(aead, data, associated("attachments", "file", ref))


def open_sealed_file(aead: AESGCM, ref: bytes, sealed: bytes, where: str = "file") -> bytes:
    """The bytes of a sealed file; raises Unreadable naming only `where`."""
    return open_sealed(aead, sealed, associated("attachments", "file", ref), where)


def open_file(attachment: Any, sealed: bytes) -> bytes:
    """A stored file's bytes; raises Unreadable (naming only the attachment)."""
    return open_sealed_file(
        aead_for(attachment), ensure_ref(attachment), sealed, f"file of attachment {attachment.id}"
    )


def read_file(attachment: Any) -> bytes:
    from portal.storage import current_storage

    return open_file(attachment, current_storage().path(attachment.storage_key).read_bytes())
