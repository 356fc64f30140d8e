"""Reporting and follow-up logic: plain values in, plain values out, no request objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from portal.config import current_settings
from portal.extensions import db
from portal.jobs.queue import enqueue_triage_after_commit
from portal.models import Attachment, Author, Message, Tip, utcnow
from portal.organisations.referrals import relay_for_reply
from portal.protection.files import seal_file
from portal.protection.sealed import aead_of_tip, new_ref
from portal.storage import current_storage
from portal.tips import receipts
from portal.tips.images import CleanImage


@dataclass(frozen=True, slots=True)
class NewTip:
    """What a reporter sent, already sanitised."""

    category: str
    lang: str
    country: str | None
    description: str
    link: str
    contact: str
    in_danger: bool
    answers: dict[str, Any] = field(default_factory=dict)
    images: Sequence[CleanImage] = ()


@dataclass(frozen=True, slots=True)
class Receipt:
    tip_id: int
    code: str
    duplicate: bool  # True when this form had already been sent


def submit_tip(new: NewTip, form_token: str) -> Receipt:
    """Store a tip (exactly once per form token), commit, then hand it to triage."""
    config = current_settings()
    code = receipts.receipt_for_token(form_token, config.secret_key)
    key = receipts.submission_key(form_token)
    existing = _tip_id_for_submission(key)
    if existing is not None:
        return Receipt(existing, code, duplicate=True)

    tip = Tip(
        category=new.category,
        lang=new.lang,
        country=new.country,
        description=new.description,
        link=new.link,
        contact=new.contact,
        in_danger=new.in_danger,
        answers=new.answers,
        receipt_hash=receipts.hash_receipt(code, config),
        has_attachments=bool(new.images),
        submission_key=key,
    )
    stored = _store_images(tip, new.images)
    tip.attachments = [_attachment(key_, image, ref) for key_, image, ref in stored]
    db.session.add(tip)
    try:
        db.session.flush()
        # Read the id now: after the commit, reading it would need the database again,
        # and a connection lost just then would turn a stored report into an error page.
        tip_id = tip.id
        db.session.commit()
    except IntegrityError:
        # The same form arrived twice at once; the other request stored it.
        db.session.rollback()
        _delete_files(key_ for key_, _, _ in stored)
        existing = _tip_id_for_submission(key)
        if existing is None:
            raise
        return Receipt(existing, code, duplicate=True)
    except BaseException:
        db.session.rollback()
        _delete_files(key_ for key_, _, _ in stored)
        raise
    enqueue_triage_after_commit([tip_id])
    return Receipt(tip_id, code, duplicate=False)


def find_tip_by_receipt(typed_code: str) -> Tip | None:
    """The tip for a receipt code, with the same work done whether or not it exists."""
    code = receipts.normalise(typed_code) or "0" * receipts.DIGITS
    digest = receipts.hash_receipt(code, current_settings())
    tip = db.session.scalar(db.select(Tip).where(Tip.receipt_hash == digest))
    return tip if receipts.normalise(typed_code) else None


def add_reporter_message(tip_id: int, body: str, images: Sequence[CleanImage] = ()) -> Message:
    """Append the reporter's reply (text and/or images) to a tip's thread."""
    tip = db.get_or_404(Tip, tip_id)
    # An answer to a question relayed for another organisation goes to that one too.
    message = Message(tip=tip, author=Author.REPORTER, body=body, relay_id=relay_for_reply(tip.id))
    stored = _store_images(tip, images)
    db.session.add(message)
    for key_, image, ref in stored:
        attachment = _attachment(key_, image, ref)
        attachment.tip = tip
        db.session.add(attachment)
    tip.updated_at = utcnow()
    if stored:
        tip.has_attachments = True
    try:
        db.session.flush()
        for attachment in tip.attachments:
            if attachment.message_id is None and attachment.storage_key in {k for k, _, _ in stored}:
                attachment.message_id = message.id
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _delete_files(key_ for key_, _, _ in stored)
        raise
    return message


def _tip_id_for_submission(key: str) -> int | None:
    return db.session.scalar(db.select(Tip.id).where(Tip.submission_key == key))


def _store_images(tip: Tip, images: Sequence[CleanImage]) -> list[tuple[str, CleanImage, bytes]]:
    """Each image sealed with the tip's data key, bound to its attachment's new reference."""
    store = current_storage()
    stored: list[tuple[str, CleanImage, bytes]] = []
    if not images:
        return stored
    aead = aead_of_tip(tip)
    try:
        for image in images:
            ref = new_ref()
            stored.append((store.put(seal_file(aead, ref, image.data), image.extension), image, ref))
    except BaseException:
        _delete_files(key_ for key_, _, _ in stored)
        raise
    return stored


def _attachment(storage_key: str, image: CleanImage, ref: bytes) -> Attachment:
    return Attachment(
        seal_ref=ref,
        storage_key=storage_key,
        media_type=image.media_type,
        width=image.width,
        height=image.height,
        size_bytes=len(image.data),
    )


def _delete_files(keys: Any) -> None:
    store = current_storage()
    for key_ in keys:
        store.delete(key_)
