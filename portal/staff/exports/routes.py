"""Export page and downloads for supervisors. HTTP only: the exports are built in services.

Every download is written to the audit log and committed before the first byte is
sent, so even an interrupted download leaves its trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from portal.accounts.audit import audit
from portal.casework import exports as services
from portal.casework.queries import BadFilter, QueueFilters
from portal.extensions import db
from portal.models import utcnow
from portal.organisations.access import scope_of
from portal.staff.access import current_staff, requires

bp = Blueprint("staff_exports", __name__, url_prefix="/staff/exports", template_folder="templates")

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


@bp.get("")
@requires("supervisor")
def export_page() -> Any:
    try:
        filters = QueueFilters.from_args(request.args.to_dict())
    except BadFilter as bad:
        return _bad_filter(bad)
    count = services.count_tips(filters, current_staff().id, scope_of(current_staff()))
    return _render_page(filters, count=count)


@bp.get("/tips.csv")
@requires("supervisor", fresh=True)  # a bulk export asks for the password and a code again
def tips_csv() -> Any:
    try:
        filters = QueueFilters.from_args(request.args.to_dict())
    except BadFilter as bad:
        return _bad_filter(bad)
    me_id, org_id = current_staff().id, scope_of(current_staff())
    count = services.count_tips(filters, me_id, org_id)
    audit(current_staff(), "export_csv", summary=services.describe(filters), count=count)
    db.session.commit()
    return _download(
        services.tips_csv(filters, me_id, org_id=org_id),
        "text/csv; charset=utf-8",
        "waspada-tips-{day}.csv",
    )


@bp.get("/indicators.stix.json")
@requires("supervisor", fresh=True)
def indicators_stix() -> Any:
    try:
        filters = QueueFilters.from_args(request.args.to_dict())
    except BadFilter as bad:
        return _bad_filter(bad)
    me_id, org_id = current_staff().id, scope_of(current_staff())
    count = services.count_indicators(filters, me_id, org_id)
    audit(current_staff(), "export_stix", summary=services.describe(filters), count=count)
    db.session.commit()
    return _download(
        services.stix_bundle(filters, me_id, org_id=org_id), STIX_MEDIA_TYPE, "waspada-indicators-{day}.stix.json"
    )


def _download(chunks: Iterator[str], media_type: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks), content_type=media_type)
    name = filename.format(day=utcnow().date().isoformat())
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _bad_filter(bad: BadFilter) -> Any:
    error = _("This filter value is not valid: %(name)s", name=str(bad))
    return _render_page(QueueFilters(), count=None, error=error), 400


def _render_page(filters: QueueFilters, count: int | None, error: str | None = None) -> str:
    return render_template(
        "staff/exports/export.html",
        filters=filters,
        count=count,
        staff=services.staff_names(scope_of(current_staff())),
        error=error,
    )
