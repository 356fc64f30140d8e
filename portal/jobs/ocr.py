"""Reading text from pictures, outside the web request: the checker's screenshots, and the
photos that come with a report.

**A checker screenshot is never stored.** The web process re-encodes it (the same
limits as report photos) and puts the pixels in one Redis hash under a random token,
with a ten-minute expiry; the job (arguments: the token and the reader's language,
nothing else) reads the pixels, deletes them, and writes the text it read into the same
hash. The result page reads that hash. The job keeps no result in RQ; no log line
carries the text.

**Report photos** are read once each, after the tip's first triage
(``queue_image_reading``): the text goes into ``attachments.ocr_text`` ("" when the
picture holds none) and the tip is triaged again, so an identifier that appears only
in a screenshot is extracted, scored and linked like typed text.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis
from sqlalchemy import select, update

from portal import ocr
from portal.extensions import db
from portal.jobs.queue import enqueue_triage_after_commit, get_queue, get_redis, job_options
from portal.models import Attachment, Tip, TriageState
from portal.protection.files import read_file

log = logging.getLogger(__name__)

SCREENSHOT_TTL = 600  # seconds a screenshot's pixels (then its text) stay in Redis
MAX_WAITING = 40  # screenshots waiting to be read at once; past it, paste the text instead
# Tokens of the screenshots not read yet, scored by when they were sent (the one queue is the
# triage queue: a worker that listens to one queue keeps RQ's crash-safe hand-over of jobs).
_WAITING = "waspada:ocr:waiting"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{24}$")
_PREFIX = "waspada:ocr:"
READ_SCREENSHOT_JOB = "portal.jobs.ocr.read_screenshot"
READ_TIP_IMAGES_JOB = "portal.jobs.ocr.read_tip_images"
WAITING, DONE, FAILED = "waiting", "done", "failed"


@dataclass(frozen=True)
class Reading:
    """Where a screenshot's reading stands, and what was typed along with it."""

    state: str
    text: str
    typed: str
    contact: str


def screenshots_available(lang: str) -> bool:
    """Whether this server can read pictures in ``lang`` (Tesseract and its language)."""
    return ocr.available([lang])


def start_screenshot(image: bytes, lang: str, typed: str = "", contact: str = "") -> str | None:
    """Queue the reading of a re-encoded screenshot; its token, or None when Redis is down or
    too many pictures already wait (each holds up to 10 MB of pixels in Redis)."""
    token = secrets.token_urlsafe(18)
    key = _PREFIX + token
    try:
        connection = get_redis()
        now = time.time()
        connection.zremrangebyscore(_WAITING, 0, now - SCREENSHOT_TTL)
        waiting = int(connection.zcard(_WAITING))
        if waiting >= MAX_WAITING:
            log.warning("screenshot reading refused: %d pictures wait already", waiting)
            return None
        with connection.pipeline() as pipe:
            pipe.hset(
                key,
                mapping={"state": WAITING, "image": image, "typed": typed, "contact": contact},
            )
            pipe.expire(key, SCREENSHOT_TTL)
            pipe.zadd(_WAITING, {token: now})
            pipe.expire(_WAITING, SCREENSHOT_TTL)
            pipe.execute()
        get_queue().enqueue(
            READ_SCREENSHOT_JOB,
            token,
            lang,
            job_id=f"ocr-{token}",
            result_ttl=0,
            failure_ttl=SCREENSHOT_TTL,
            job_timeout=120,
        )
    except (redis.RedisError, OSError) as error:
        log.warning("screenshot reading not queued: %s", type(error).__name__)
        return None
    return token


def forget(token: str) -> None:
    """Delete a reading once its result has been shown (the form on that page keeps the text)."""
    if _TOKEN.match(token or ""):
        try:
            get_redis().delete(_PREFIX + token)
        except (redis.RedisError, OSError):
            pass  # it expires within 10 minutes anyway


def reading(token: str) -> Reading | None:
    """The state of a screenshot's reading; None for an unknown or expired token."""
    if not _TOKEN.match(token or ""):
        return None
    try:
        found = get_redis().hmget(_PREFIX + token, "state", "text", "typed", "contact")
    except (redis.RedisError, OSError):
        return None
    state, text, typed, contact = (_text(value) for value in found)
    if not state:
        return None
    return Reading(state, text, typed, contact)


def wait_for_reading(token: str, seconds: float) -> Reading | None:
    """The reading behind ``token``, waiting up to ``seconds`` while it is still going on."""
    deadline = time.monotonic() + seconds
    found = reading(token)
    while found is not None and found.state == WAITING and time.monotonic() < deadline:
        time.sleep(0.25)
        found = reading(token)
    return found


def read_screenshot(token: str, lang: str) -> None:
    """The job: read the screenshot behind ``token``, forget its pixels, keep its text."""
    if not _TOKEN.match(token):
        return
    key = _PREFIX + token
    connection = get_redis()
    connection.zrem(_WAITING, token)
    image = connection.hget(key, "image")
    if not isinstance(image, bytes):
        return  # expired before a worker got to it
    connection.hdel(key, "image")
    try:
        text = ocr.read_text(image, [lang])
    except Exception as error:  # noqa: BLE001 - a picture must never fail the worker
        log.warning("screenshot not read: %s", type(error).__name__)
        text = ""
    if connection.exists(key):
        with connection.pipeline() as pipe:
            pipe.hset(key, mapping={"state": DONE if text.strip() else FAILED, "text": text})
            pipe.expire(key, SCREENSHOT_TTL)
            pipe.execute()


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


# ------------------------------------------------------------------------ report photos


def queue_image_reading(tip_id: int, lang: str) -> bool:
    """After a tip's triage: queue the reading of its photos not read yet (one job per tip;
    the caller knows it has some)."""
    if not ocr.available([lang]):
        return False
    try:
        get_queue().enqueue(
            READ_TIP_IMAGES_JOB, tip_id, job_id=f"ocr-tip-{tip_id}", **job_options()
        )
    except (redis.RedisError, OSError) as error:
        # The photos stay unread; the tip's next triage (a rerun, a new message) asks again.
        log.warning("photo reading for tip %d not queued: %s", tip_id, type(error).__name__)
        return False
    return True


def read_tip_images(tip_id: int) -> int:
    """The job: read every unread photo of a tip, store the text, triage the tip again when
    a photo held text. Returns how many photos held text."""
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        return 0
    found = 0
    for attachment in _unread(tip_id):
        try:
            data = read_file(attachment)
            text = ocr.read_text(data, [tip.lang])
        except ocr.OcrUnavailable:
            db.session.rollback()
            return found  # read later, on a server that has the language
        except Exception as error:  # noqa: BLE001 - one bad picture must not stop the others
            log.warning("photo %d not read: %s", attachment.id, type(error).__name__)
            text = ""
        attachment.ocr_text = text.strip()
        found += bool(attachment.ocr_text)
    if found:
        db.session.execute(
            update(Tip).where(Tip.id == tip_id).values(triage_state=TriageState.PENDING)
        )
    db.session.commit()
    if found:
        enqueue_triage_after_commit([tip_id])
    return found


def _unread(tip_id: int) -> Sequence[Attachment]:
    return db.session.scalars(
        select(Attachment)
        .where(Attachment.tip_id == tip_id, Attachment.ocr_sealed.is_(None))
        .order_by(Attachment.id)
    ).all()
