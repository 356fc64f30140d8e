"""`/<lang>/help`: the support directory. HTTP only: the logic is in services."""

from __future__ import annotations

from flask import g, render_template, request

from portal.directory.help import find_help
from portal.directory.loader import current_services
from portal.extensions import limiter
from portal.i18n import localized_blueprint
from portal.languages import LIKELY_COUNTRY
from portal.public.support.forms import NEED_LABELS, HelpForm, country_name, language_names
from portal.security import cacheable

bp = localized_blueprint("support", __name__)


@bp.get("/help")
@limiter.exempt
@cacheable
def directory() -> str | tuple[str, int]:
    services = current_services()
    form = HelpForm(services, formdata=request.args)
    if not request.args and g.lang in LIKELY_COUNTRY:
        # A first visit leads with the services of the country where the reader's
        # language is spoken; the form changes it in one tap.
        form.country.data = LIKELY_COUNTRY[g.lang]
    page = {
        "form": form,
        "need_labels": NEED_LABELS,
        "country_name": country_name,
        "language_names": language_names,
    }
    if not form.validate():
        return render_template("support/help.html", result=None, **page), 400
    result = find_help(services, **form.query()) if form.searched else None
    return render_template("support/help.html", result=result, **page)
