"""Model attributes kept sealed in the database, and the session hooks that seal them.

A model declares ``description = Sealed("description_sealed")``: reading the attribute
opens the column's ciphertext (once, then cached while the column holds the same bytes);
setting it keeps the plaintext in memory and marks the column, which the ``before_flush``
hook seals with the row's key just before anything is written. So no plaintext ever
reaches the database, its WAL or its backups, and code that reads ``tip.description``
needs no change. Code that selects columns in bulk (the triage job, the exports) opens
them with ``tip_aead`` and ``open_field``.

Whose key: a tip's own data key for the tip and everything hanging off it (messages,
photos, notes, relayed questions); a site-wide key for staff TOTP secrets. A value that
does not open (a ciphertext moved from another row, an altered byte, a removed key)
reads as empty, is logged by where it was (never what it held), and ``unreadable(obj)``
names it so the page can say so.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.protection.keys import KeyRing, Unreadable, associated, open_sealed, seal, unwrap, wrap

log = logging.getLogger(__name__)

REF_BYTES = 16
# A column whose value waits for the flush to seal it: never a valid sealed value, and never
# plaintext, should it ever be written.
PENDING = b"\x00pending"


def keyring() -> KeyRing:
    from portal.config import current_settings

    return current_settings().data_keys


def new_ref() -> bytes:
    return os.urandom(REF_BYTES)


def ensure_ref(obj: Any) -> bytes:
    """The row's random reference, bound into its ciphertexts (made before its first write)."""
    if obj.seal_ref is None:
        obj.seal_ref = new_ref()
    return bytes(obj.seal_ref)


class Sealed:
    """An attribute whose value lives sealed in `column` (LargeBinary); `kind` "text" or
    "json". `empty` is what an absent or unreadable value reads as."""

    def __init__(self, column: str, *, kind: str = "text", nullable: bool = False) -> None:
        self.column = column
        self.kind = kind
        self.nullable = nullable  # None stays None (e.g. a photo not read yet)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        owner.__sealed__ = {**getattr(owner, "__sealed__", {}), name: self}  # type: ignore[attr-defined]

    def empty(self) -> Any:
        if self.nullable:
            return None
        return {} if self.kind == "json" else ""

    def encode(self, value: Any) -> bytes:
        if self.kind == "json":
            return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        if self.kind == "json":
            return json.loads(data)
        return data.decode("utf-8")

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        blob = getattr(obj, self.column)
        opened = obj.__dict__.setdefault("_opened", {})
        cached = opened.get(self.name)
        if cached is not None and cached[0] is blob:
            return cached[1]
        if blob is None or blob == PENDING:
            value = self.empty()
        else:
            try:
                value = self.decode(
                    open_sealed(
                        aead_for(obj),
                        bytes(blob),
                        associated(obj.__tablename__, self.column, ensure_ref(obj)),
                        f"{obj.__tablename__}.{self.column} of row {getattr(obj, 'id', None)}",
                    )
                )
            except Unreadable as error:
                log.warning("sealed value not readable: %s", error)
                obj.__dict__.setdefault("_unreadable", set()).add(self.name)
                value = self.empty()
        opened[self.name] = (blob, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if value is None and not self.nullable:
            value = self.empty()
        obj.__dict__.setdefault("_to_seal", {})[self.name] = value
        setattr(obj, self.column, None if value is None else PENDING)
        obj.__dict__.setdefault("_opened", {})[self.name] = (getattr(obj, self.column), value)
        obj.__dict__.get("_unreadable", set()).discard(self.name)


def unreadable(obj: Any) -> set[str]:
    """The sealed attributes of `obj` that did not open (read them first)."""
    for name in getattr(type(obj), "__sealed__", {}):
        getattr(obj, name)
    return set(obj.__dict__.get("_unreadable", ()))


# --- keys of rows ------------------------------------------------------------------------

_KEY_CACHE_SIZE = 4096
_opened_keys: OrderedDict[tuple[bytes, str, bytes, bytes], AESGCM] = OrderedDict()
_opened_lock = threading.Lock()  # web processes serve several threads


def tip_aead(
    key_id: str | None, wrapped: bytes | None, ref: bytes | None, tip_id: int | None = None
) -> AESGCM:
    """A tip's data key, unwrapped (kept in a small cache of recent ones: a batch of tips
    reads several values of each). The cache is keyed by the wrapping key itself as well as
    the wrapped bytes and the tip's reference: a hit is exactly what unwrapping would give."""
    if key_id is None or wrapped is None or ref is None:
        raise Unreadable(f"tips.data_key of tip {tip_id}: missing")
    ring = keyring()
    kek = ring.get(key_id)
    if kek is None:
        raise Unreadable(
            f"tips.data_key of tip {tip_id}: wrapped by key {key_id!r}, which is not configured"
        )
    cache_key = (kek, key_id, bytes(wrapped), bytes(ref))
    with _opened_lock:
        found = _opened_keys.get(cache_key)
        if found is not None:
            _opened_keys.move_to_end(cache_key)
            return found
    raw = unwrap(
        ring,
        key_id,
        bytes(wrapped),
        associated("tips", "data_key", bytes(ref)),
        f"tips.data_key of tip {tip_id}",
    )
    found = AESGCM(raw)
    with _opened_lock:
        _opened_keys[cache_key] = found
        if len(_opened_keys) > _KEY_CACHE_SIZE:
            _opened_keys.popitem(last=False)
    return found


def new_tip_key(tip: Any) -> AESGCM:
    """Give a new tip its own random data key, wrapped by the newest KEK."""
    raw = AESGCM.generate_key(bit_length=256)
    tip.data_key_id, tip.data_key = wrap(
        keyring(), raw, associated("tips", "data_key", ensure_ref(tip))
    )
    return AESGCM(raw)


def aead_of_tip(tip: Any) -> AESGCM:
    if tip.data_key is None:
        return new_tip_key(tip)
    return tip_aead(tip.data_key_id, tip.data_key, ensure_ref(tip), tip.id)


# Each sealed model says whose key it uses: a function from the row to its AESGCM.
_KEY_OF: dict[str, Callable[[Any], AESGCM]] = {}


def key_of(table: str) -> Callable[[Callable[[Any], AESGCM]], Callable[[Any], AESGCM]]:
    def register(function: Callable[[Any], AESGCM]) -> Callable[[Any], AESGCM]:
        _KEY_OF[table] = function
        return function

    return register


def aead_for(obj: Any) -> AESGCM:
    return _KEY_OF[obj.__tablename__](obj)


def open_field(
    aead: AESGCM, table: str, column: str, ref: bytes | None, blob: bytes | None, kind: str = "text"
) -> Any:
    """One sealed column value read in bulk (None stays None); raises Unreadable."""
    if blob is None:
        return None
    if ref is None:
        raise Unreadable(f"{table}.{column}: the row has no reference")
    data = open_sealed(
        aead, bytes(blob), associated(table, column, bytes(ref)), f"{table}.{column}"
    )
    return json.loads(data) if kind == "json" else data.decode("utf-8")


# --- the session hooks ----------------------------------------------------------------------

# Called after a flush with (session, [(obj, {attribute: plaintext})]) for the rows just sealed:
# the blind word index listens here.
_after_sealing: list[Callable[[Session, list[tuple[Any, dict[str, Any]]]], None]] = []


def after_sealing(
    function: Callable[[Session, list[tuple[Any, dict[str, Any]]]], None],
) -> Callable[..., None]:
    _after_sealing.append(function)
    return function


def _pending(objects: Iterable[Any]) -> list[Any]:
    return [obj for obj in objects if obj.__dict__.get("_to_seal")]


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    session.info.pop("waspada_sealed", None)  # a failed flush's leftovers never carry over
    waiting = _pending(list(session.new) + list(session.dirty))
    if not waiting:
        return
    sealed_now: list[tuple[Any, dict[str, Any]]] = []
    # Tips first: their children need their data key.
    waiting.sort(key=lambda obj: obj.__tablename__ != "tips")
    for obj in waiting:
        values = obj.__dict__.pop("_to_seal")
        aead = aead_for(obj)
        ref = ensure_ref(obj)
        descriptors = type(obj).__sealed__
        opened = obj.__dict__.setdefault("_opened", {})
        for name, value in values.items():
            field = descriptors[name]
            if value is None:
                blob = None
            else:
                blob = seal(
                    aead, field.encode(value), associated(obj.__tablename__, field.column, ref)
                )
            setattr(obj, field.column, blob)
            opened[name] = (blob, value)
        sealed_now.append((obj, values))
    session.info.setdefault("waspada_sealed", []).extend(sealed_now)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop("waspada_sealed", None)


@event.listens_for(Session, "after_flush")
def _index_after_flush(session: Session, flush_context: Any) -> None:
    sealed_now = session.info.pop("waspada_sealed", None)
    if sealed_now:
        for listener in _after_sealing:
            listener(session, sealed_now)



def tip_text_columns(tip_model: Any) -> tuple[Any, ...]:
    """The columns `open_tip_text` needs, to add to a bulk select of tips."""
    return (
        tip_model.data_key_id,
        tip_model.data_key,
        tip_model.seal_ref,
        tip_model.description_sealed,
        tip_model.link_sealed,
        tip_model.answers_sealed,
    )


def open_tip_fields(
    tip_id: int,
    key_id: str | None,
    wrapped: bytes | None,
    ref: bytes | None,
    description: bytes | None,
    link: bytes | None,
    answers: bytes | None,
) -> tuple[str, str, dict[str, Any]]:
    """Description, link and answers of a tip selected column by column; raises Unreadable."""
    aead = tip_aead(key_id, wrapped, ref, tip_id)
    return (
        open_field(aead, "tips", "description_sealed", ref, description) or "",
        open_field(aead, "tips", "link_sealed", ref, link) or "",
        open_field(aead, "tips", "answers_sealed", ref, answers, "json") or {},
    )


def open_tip_text(row: Any) -> tuple[str, str, dict[str, Any]]:
    """The same for a row selected with `tip_text_columns`; a tip whose text does not open
    reads as empty, and is logged by its id only."""
    try:
        return open_tip_fields(
            row.id,
            row.data_key_id,
            row.data_key,
            row.seal_ref,
            row.description_sealed,
            row.link_sealed,
            row.answers_sealed,
        )
    except Unreadable as error:
        log.warning("tip %s not readable: %s", row.id, error)
        return "", "", {}


def _open_on_load(obj: Any, *_args: Any) -> None:
    """Open a sealed row's values as it is loaded, while the app and session are at hand:
    an object read in a request or a job stays readable after its session is gone."""
    for name in getattr(type(obj), "__sealed__", ()):
        getattr(obj, name)


def _listen_for_loads() -> None:
    from sqlalchemy.orm import Mapper

    event.listen(Mapper, "load", _open_on_load)
    event.listen(Mapper, "refresh", _open_on_load)


_listen_for_loads()
