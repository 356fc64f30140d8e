"""A tip's workflow status in words a reporter understands."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.models import Tip, TipStatus
from portal.organisations.referrals import reporter_notice

_WORDS: dict[str, LazyString] = {
    TipStatus.NEW: _l("We have received your report. Nobody has read it yet."),
    TipStatus.IN_REVIEW: _l("Someone on our team is reading your report."),
    TipStatus.ESCALATED: _l("Your report is being checked more closely by a senior team member."),
    TipStatus.FORWARDED: _l("We have passed your report to an organisation that can act on it."),
    TipStatus.CLOSED_ACTIONED: _l("We have finished with your report. Action was taken."),
    TipStatus.CLOSED_NO_ACTION: _l(
        "We have finished with your report. We could not take action this time."
    ),
    TipStatus.CLOSED_DUPLICATE: _l(
        "We have finished with your report. Someone else had already told us about the same thing."
    ),
    TipStatus.CLOSED_SPAM: _l("We have finished with your report."),
}


def describe_status(status: str) -> LazyString:
    """One plain sentence for the reporter; never more detail than they need."""
    return _WORDS.get(status, _WORDS[TipStatus.NEW])


PASSED_ON = _l("Your report was passed to an authority that can act on it.")


def passed_on(tip: Tip) -> tuple[LazyString | None, list[str]]:
    """If the report went to an organisation that accepted it: the sentence the reporter
    reads, and the names of those organisations that allow reporters to see their name."""
    passed, named = reporter_notice(tip)
    names = [org.name if org.name_en in ("", org.name) else f"{org.name} ({org.name_en})" for org in named]
    return (PASSED_ON if passed else None), names
