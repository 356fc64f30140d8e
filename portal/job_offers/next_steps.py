"""What to do after a check: how to verify a recruiter where you live, and whom to ask.

The bodies, links and sources are data (``verification.yaml``, from
shared/reference/job_offer_red_flags.md §2); the sentences are translatable
strings here, keyed by the ids the data uses. Contacts to call come from the
support directory, so a doubtful number is never the main call to action.
Plain values in, plain values out: no request objects, no database writes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.directory.entries import Service
from portal.directory.help import find_help
from portal.job_offers.explanations import in_language

DATA = Path(__file__).with_name("verification.yaml")

STEPS: dict[str, LazyString] = {
    "id_licensed_p3mi": _l(
        "Only a licensed placement company (P3MI) holding a SIP3MI licence from the Ministry "
        "for the Protection of Migrant Workers (KemenP2MI, formerly BP2MI) may send you to "
        "work abroad."
    ),
    "id_siskop2mi": _l(
        "Look up both the company and the vacancy on SISKOP2MI. If either one is missing, do "
        "not pay and do not go."
    ),
    "id_official_process": _l(
        "The real process runs through your SIAPkerja account and the local LTSA or Disnaker "
        "office, and includes a work visa, a placement agreement, an employment contract, "
        "BPJS social security and a pre-departure orientation (OPP)."
    ),
    "id_not_placement_countries": _l(
        "Cambodia and Myanmar are not placement countries for Indonesian workers: an offer "
        "to work there is always outside the legal process."
    ),
    "ph_two_checks": _l(
        "Check the agency on the DMW list of licensed recruitment agencies, and the job "
        "itself on the list of approved job orders. Do both: fake recruiters copy the names "
        "of real agencies."
    ),
    "ph_office_receipt_visa": _l(
        "Deal with the agency only at its registered office, ask for an official receipt "
        "for every fee, and make sure it gets you a work visa, never a tourist visa."
    ),
    "vn_licensed_enterprises": _l(
        "Only enterprises licensed to send workers abroad may recruit you. DOLAB publishes "
        "the list of licensed enterprises."
    ),
    "vn_report": _l(
        "If a recruiter is not on that list, report it to DOLAB or to the local police (công an)."
    ),
    "th_doe": _l("Check the recruitment agency with the Department of Employment."),
    "th_five_channels": _l(
        "There are five legal ways to work abroad. If you found a job yourself, tell the "
        "Department of Employment at least 15 days before you travel."
    ),
    "id_lpk_so": _l(
        "For an internship in Japan, the training centre (LPK) needs a licence to send "
        "interns (SO). Check it on the Ministry of Manpower's site."
    ),
    "my_jtk": _l(
        "A recruiter in Malaysia needs a licence from the Labour Department (JTK), and its "
        "name begins with “Agensi Pekerjaan”. Ask for the licence number and check it "
        "with JTK."
    ),
}

LINK_LABELS: dict[str, LazyString] = {
    "agencies": _l("List of licensed recruitment agencies"),
    "vacancies": _l("List of official vacancies"),
    "job_orders": _l("List of approved job orders"),
    "training_centres": _l("Training centres allowed to send interns"),
    "legal_ways": _l("The legal ways to work abroad"),
}

#: Said to everyone, wherever they live (reference §1a/§2 in a few words).
GENERAL: tuple[LazyString, ...] = (
    _l(
        "Ask for the company's full legal name, its licence number and its address, and "
        "check them with the labour ministry of your country before you pay or sign anything."
    ),
    _l(
        "Keep your passport yourself, travel for work only on a work visa, and never pay a "
        "fee into a personal account or e-wallet."
    ),
)


@dataclass(frozen=True)
class Link:
    """An official page to check a recruiter on."""

    url: str
    label: str


@dataclass(frozen=True)
class Body:
    """A government body that can confirm a recruiter or a vacancy, with what to check there."""

    country: str
    name: str
    steps: list[str]
    links: list[Link]
    recheck: bool


@dataclass(frozen=True)
class NextSteps:
    """Everything the result page shows under "what to do next"."""

    country: str | None
    bodies: list[Body]
    general: list[str]
    need: str  # the support directory need to link to
    contacts: list[Service]  # main contacts of the support directory, best first


@functools.cache
def _data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for code, bodies in data["countries"].items():
        for body in bodies:
            unknown = [step for step in body["steps"] if step not in STEPS]
            unknown += [link["label"] for link in body["links"] if link["label"] not in LINK_LABELS]
            if unknown or not all(link["url"].startswith("https://") for link in body["links"]):
                raise ValueError(f"verification.yaml {code}: bad step, label or URL {unknown}")
    return data


def countries() -> list[str]:
    """Countries with verification bodies, in the data file's order."""
    return list(_data()["countries"])


def verification_bodies(country: str | None, lang: str = "en") -> list[Body]:
    """How to check a recruiter in ``country``; for no country, every country we know."""
    wanted = [country] if country else countries()
    with in_language(lang):
        return [
            Body(
                code,
                str(body["name"]),
                [str(STEPS[step]) for step in body["steps"]],
                [Link(link["url"], str(LINK_LABELS[link["label"]])) for link in body["links"]],
                bool(body.get("recheck", False)),
            )
            for code in wanted
            for body in _data()["countries"].get(code, ())
        ]


def help_need(risk: str) -> str:
    """The support-directory need that fits a result: trafficking help when the risk is high."""
    return "trafficking" if risk == "high" else "job-offer-verification"


def help_contacts(services: Sequence[Service], country: str | None, risk: str) -> list[Service]:
    """The help page's main contact for checking an offer, and for trafficking when risk is high."""
    if not country:
        return []
    needs = ["job-offer-verification", "trafficking"] if risk == "high" else [help_need(risk)]
    found: list[Service] = []
    for need in needs:
        main = find_help(services, country, need).main
        if main is not None and main not in found:
            found.append(main)
    return found


def next_steps(
    risk: str, country: str | None, lang: str = "en", services: Sequence[Service] = ()
) -> NextSteps:
    """Verification bodies, general advice and help contacts for a check result."""
    with in_language(lang):
        general = [str(line) for line in GENERAL]
    return NextSteps(
        country=country,
        bodies=verification_bodies(country, lang),
        general=general,
        need=help_need(risk),
        contacts=help_contacts(services, country, risk),
    )
