"""Prometheus metrics for operators: what the portal accepted, refused and triaged.

Counters live in prometheus_client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set
(gunicorn.conf.py sets it; the deploy guide gives web processes and workers one folder), so
every gunicorn process and every triage worker on a host adds up in one scrape. Without it,
each process counts for itself (development, tests).

Privacy: every label takes its value from a short fixed list below (categories, reasons,
limit names, status classes); nothing from a request or a tip — no address, no receipt, no
text, no identifier — can become a label or a value.
"""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, Flask, abort, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.categories import CATEGORIES
from portal.config import current_settings
from portal.models import as_utc, utcnow
from portal.security import from_this_machine

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if MULTIPROCESS_DIR:
    # Each process writes its own file there as soon as it counts; a missing folder would
    # turn the first count of a fresh host into an error page.
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

REPORT_REFUSALS = ("invalid", "image", "rate_limited", "expired_form", "duplicate")
FOLLOW_UP_REFUSALS = ("invalid", "wrong_code", "rate_limited", "expired_form")
LIMITS = (
    "submission",
    "follow-up-login",
    "follow-up-reply",
    "staff-login",
    "checker",
    "submission-global",
    "follow-up-login-global",
    "follow-up-reply-global",
    "checker-global",
)

REPORTS_ACCEPTED = Counter(
    "waspada_reports_accepted_total", "Reports stored, by category.", ["category"]
)
REPORTS_REFUSED = Counter(
    "waspada_reports_refused_total",
    "Report submissions not stored, by category and reason.",
    ["category", "reason"],
)
FOLLOW_UP_LOGINS = Counter(
    "waspada_follow_up_logins_total",
    "Receipt code sign-ins, by outcome (accepted or the reason for a refusal).",
    ["outcome"],
)
RATE_LIMITED = Counter(
    "waspada_rate_limit_refusals_total", "Requests refused by a rate limit, by limit.", ["limit"]
)
HTTP_RESPONSES = Counter(
    "waspada_http_responses_total", "HTTP responses by status class.", ["status_class"]
)
TRIAGE_JOBS = Counter(
    "waspada_triage_jobs_total",
    "Triage jobs by outcome: done, failed (no retry left) or retried.",
    ["outcome"],
)
# Every metric has a label, even where one value would do: in multiprocess mode an unlabelled
# metric opens its file when the module is imported, so every `flask …` command would leave
# files behind; a labelled one only when a process first counts.
TRIAGE_DURATION = Histogram(
    "waspada_triage_job_duration_seconds",
    "Time one triage job took, from start to end.",
    ["queue"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SWEEPER_REQUEUED = Counter(
    "waspada_sweeper_requeued_total", "Tips the sweeper put back on the queue.", ["queue"]
)
TRIAGE_QUEUE = "triage"


def _known(value: str | None, allowed: tuple[str, ...], other: str = "other") -> str:
    return value if value in allowed else other


def report_accepted(category: str) -> None:
    """One report was stored."""
    REPORTS_ACCEPTED.labels(_known(category, CATEGORIES)).inc()


def report_refused(category: str | None, reason: str) -> None:
    """One report was not stored (the reporter saw why)."""
    REPORTS_REFUSED.labels(_known(category, CATEGORIES), _known(reason, REPORT_REFUSALS)).inc()


def follow_up_login(outcome: str) -> None:
    """A receipt code sign-in: "accepted" or one of FOLLOW_UP_REFUSALS."""
    FOLLOW_UP_LOGINS.labels(_known(outcome, ("accepted", *FOLLOW_UP_REFUSALS))).inc()


def requeued(count: int) -> None:
    """The sweeper put `count` tips back on the triage queue."""
    SWEEPER_REQUEUED.labels(TRIAGE_QUEUE).inc(count)


def triage_job_finished(outcome: str, seconds: float | None) -> None:
    """A triage job ended: "done", "failed" or "retried"."""
    TRIAGE_JOBS.labels(_known(outcome, ("done", "failed", "retried"))).inc()
    if seconds is not None and seconds >= 0:
        TRIAGE_DURATION.labels(TRIAGE_QUEUE).observe(seconds)


def count_refusal(status: int, limit: str | None = None) -> None:
    """A refusal no view sees (an expired form, a rate limit), told apart by its URL rule."""
    endpoint = request.endpoint or ""
    reason = "rate_limited" if status == 429 else "expired_form"
    if status == 429:
        RATE_LIMITED.labels(_known(limit, LIMITS)).inc()
    if endpoint == "tips.report":
        report_refused((request.view_args or {}).get("category"), reason)
    elif endpoint == "tips.follow_up":
        follow_up_login(reason)


class _QueueCollector(Collector):
    """Read at scrape time: how deep the queue is and how long the oldest tip has waited."""

    def collect(self):  # type: ignore[no-untyped-def]
        from portal.extensions import db
        from portal.jobs.queue import queue_depth
        from portal.models import Tip, TriageState

        depth = queue_depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "waspada_triage_queue_depth", "Triage jobs waiting in Redis.", value=depth
            )
        try:
            oldest = db.session.scalar(
                db.select(func.min(Tip.created_at)).where(
                    Tip.triage_state.in_([TriageState.PENDING, TriageState.QUEUED])
                )
            )
        except SQLAlchemyError:
            db.session.rollback()
            return
        age = 0.0
        if oldest is not None:
            age = max(0.0, (utcnow() - as_utc(oldest)).total_seconds())
        yield GaugeMetricFamily(
            "waspada_oldest_untriaged_tip_age_seconds",
            "Age of the oldest tip not yet triaged (0 when none waits).",
            value=age,
        )


def exposition() -> bytes:
    """Every process's counters (multiprocess mode) or this one's, plus the queue gauges."""
    registry = CollectorRegistry()
    if MULTIPROCESS_DIR:
        multiprocess.MultiProcessCollector(registry)
        counters = generate_latest(registry)
    else:
        counters = generate_latest(REGISTRY)
    gauges = CollectorRegistry()
    gauges.register(_QueueCollector())
    return counters + generate_latest(gauges)


def may_scrape() -> bool:
    """Loopback without a proxy in between, or the bearer token from the settings."""
    token = current_settings().metrics_token
    header = request.headers.get("Authorization", "")
    if token and header[:7].lower() == "bearer ":
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    return from_this_machine()


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format, for the operator only: anyone else sees no such page."""
    if not may_scrape():
        abort(404)
    return Response(exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def init_app(app: Flask) -> None:
    """Count every response by status class."""

    @app.after_request
    def _count_response(response: Response) -> Response:
        status = response.status_code
        HTTP_RESPONSES.labels(f"{status // 100}xx" if 100 <= status < 600 else "other").inc()
        return response
