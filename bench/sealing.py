"""What the portal writes for a tip, made in bulk for the scale benchmarks: sealed columns
with a data key of its own per tip, blind word hashes, sealed identifiers with their
indexes (portal.protection). Used inside an app context, after `flask db upgrade` made the
site keys."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.config import current_settings
from portal.protection import words
from portal.protection.identifiers import index_of, seal_value, tail_of
from portal.protection.keys import associated, seal, wrap
from portal.protection.site_keys import site_aead, site_key

TIP_COLUMNS = (
    "data_key_id",
    "data_key",
    "seal_ref",
    "description_sealed",
    "link_sealed",
    "answers_sealed",
    "contact_sealed",
)


class Sealer:
    def __init__(self) -> None:
        self.ring = current_settings().data_keys
        self.index_key = site_key("index")
        self.identifiers = site_aead("identifiers")

    def tip(
        self, description: str, link: str = "", answers: dict[str, Any] | None = None, contact: str = ""
    ) -> tuple[Any, ...]:
        """The values of TIP_COLUMNS for a new tip."""
        ref = os.urandom(16)
        raw = AESGCM.generate_key(bit_length=256)
        key_id, wrapped = wrap(self.ring, raw, associated("tips", "data_key", ref))
        aead = AESGCM(raw)

        def sealed(column: str, text: str) -> bytes:
            return seal(aead, text.encode(), associated("tips", column, ref))

        answers_text = json.dumps(answers or {}, ensure_ascii=False, separators=(",", ":"))
        return (
            key_id,
            wrapped,
            ref,
            sealed("description_sealed", description),
            sealed("link_sealed", link),
            sealed("answers_sealed", answers_text),
            sealed("contact_sealed", contact),
        )

    def words(self, *texts: str) -> Iterable[int]:
        return sorted({h for text in texts for h in words.hashes(text, self.index_key)})

    def indicator(self, kind: str, value: str) -> tuple[bytes, bytes, bytes | None]:
        """value_index, value_sealed, tail_index."""
        index = index_of(kind, value, self.index_key)
        return index, seal_value(index, value, self.identifiers), tail_of(kind, value, self.index_key)
