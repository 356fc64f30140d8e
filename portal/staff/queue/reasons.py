"""Why routing suggests an agency, in the reader's language.

Triage stores each route's reason as a code with parameters (portal.triage.routing.REASONS);
country codes become country names in the staff member's language here, when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _


def _country(code: object) -> str:
    names = get_locale().territories
    text = str(code or "")
    return str(names.get(text, text))


_SENTENCES: dict[str, Callable[[Mapping[str, str]], str]] = {
    "country": lambda p: _("The tip is about %(country)s.", country=_country(p.get("country"))),
    "no_country": lambda p: _("No country was given: regional contacts."),
    "no_entries": lambda p: _(
        "No agency is listed for %(country)s yet: regional contacts.",
        country=_country(p.get("country")),
    ),
    "platform": lambda p: _("The tip names a %(platform)s account.", platform=p.get("platform", "")),
    "abroad_agency": lambda p: _(
        "The person is from %(nationality)s: this agency helps its citizens abroad.",
        nationality=_country(p.get("nationality")),
    ),
    "embassy_here": lambda p: _(
        "The person is from %(nationality)s and is now in %(country)s: their embassy.",
        nationality=_country(p.get("nationality")),
        country=_country(p.get("country")),
    ),
    "embassy_destination": lambda p: _(
        "The job is in %(destination)s: the embassy of %(nationality)s there helps its citizens.",
        destination=_country(p.get("destination")),
        nationality=_country(p.get("nationality")),
    ),
    "embassy_covers": lambda p: _(
        "The job is in %(destination)s: the embassy of %(nationality)s in %(located_in)s "
        "also helps its citizens there.",
        destination=_country(p.get("destination")),
        nationality=_country(p.get("nationality")),
        located_in=_country(p.get("located_in")),
    ),
    "anti_trafficking": lambda p: _(
        "The job is in %(destination)s: a local anti-trafficking contact "
        "(embassies usually help first).",
        destination=_country(p.get("destination")),
    ),
    "payment_account": lambda p: _(
        "The tip names a bank account or e-wallet in %(country)s: the financial intelligence "
        "unit there can trace it and have it frozen.",
        country=_country(p.get("country")),
    ),
}


def routing_reason(route: Mapping[str, Any]) -> str:
    """The sentence for a stored route. Routes stored before reasons became codes carry an
    English sentence: that is shown as it is."""
    reason = str(route.get("reason") or "")
    sentence = _SENTENCES.get(reason)
    if sentence is None:
        return reason
    params = route.get("reason_params")
    return sentence(params if isinstance(params, Mapping) else {})
