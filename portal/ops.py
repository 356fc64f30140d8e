"""Operational endpoints: /healthz for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.jobs.queue import queue_depth

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers (Redis being down only delays triage), else 503."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    depth = queue_depth()
    body = {
        "database": database,
        "redis": "ok" if depth is not None else "unreachable",
        "queue_depth": depth,
    }
    return jsonify(body), 200 if database == "ok" else 503
