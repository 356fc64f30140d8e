"""The law of the reader's country behind a warning sign, in the reader's language.

Which sentence goes with which sign and country is data (``law.yaml``, from
shared/reference/job_offer_law_and_routes.md, with sources); the sentences are
translatable strings here. A sign without an entry for the reader's country shows
its plain explanation only: the checker never cites a law it does not know. Every law
here is about work abroad, so the checker asks only for offers of a job abroad.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.job_offers.explanations import in_language

DATA = Path(__file__).with_name("law.yaml")

LAW: dict[str, LazyString] = {
    "id_no_placement_cost": _l(
        "In Indonesia, the law says a worker going abroad must not be charged placement "
        "costs (Law 18/2017, Article 30)."
    ),
    "vn_service_fee": _l(
        "In Vietnam, a service fee may only be paid after you sign your contract, to the "
        "licensed company, with a receipt. It is at most one month's pay for each year of "
        "work (Law 69/2020, Article 23)."
    ),
    "ph_fee_cap": _l(
        "In the Philippines, a placement fee is at most one month's pay, with an official "
        "receipt. Household workers pay no placement fee at all."
    ),
    "vn_no_brokerage": _l(
        "In Vietnam, no one may charge a worker a brokerage fee (Law 69/2020, Article 7)."
    ),
    "vn_deposit_escrow": _l(
        "In Vietnam, a deposit may only go into a bank account in your own name, and you get "
        "it back with interest (Law 69/2020, Article 25)."
    ),
    "vn_pay_enterprise": _l(
        "Vietnam's office for workers abroad (DOLAB) says: pay only after you sign, straight "
        "to the company, and get a receipt. Never pay through a middleman."
    ),
    "ph_e_transfer": _l(
        "The Department of Migrant Workers says that being asked to pay early by e-transfer "
        "is a clear sign of a scam."
    ),
    "id_who_may_place": _l(
        "In Indonesia, only the government, a licensed placement company (P3MI) or an "
        "employer sending its own staff may place workers abroad (Law 18/2017, Article 49). "
        "You also register at your local labour office (Disnaker)."
    ),
    "vn_licensed_only": _l(
        "In Vietnam, only licensed companies may send workers abroad (Law 69/2020, Article 8)."
    ),
    "ph_direct_hire": _l(
        "In the Philippines, direct hiring for work abroad is banned except in a few cases "
        "(Labor Code, Article 18), and no fixer may charge you for it."
    ),
    "my_licensed_agency": _l(
        "In Malaysia, every recruiter needs a licence, and its name must begin with "
        "\u201cAgensi Pekerjaan\u201d (Act 246)."
    ),
    "th_legal_channels": _l(
        "In Thailand, there are five legal ways to work abroad. If you found a job yourself, "
        "tell the Department of Employment at least 15 days before you travel."
    ),
    "vn_deceptive_ads": _l(
        "In Vietnam, false promises in adverts for work abroad are against the law "
        "(Law 69/2020, Article 7)."
    ),
    "id_visit_visa": _l(
        "Indonesia's government warns: never go abroad to work on a visit visa, a "
        "pilgrimage visa or a tourist passport."
    ),
    "ph_tourist_visa": _l(
        "The Department of Migrant Workers says: no real job abroad begins with a tourist visa."
    ),
    "id_departure_points": _l(
        "Ports such as Batam, Tanjung Pinang, Nunukan and Entikong are where many people "
        "leave without the official steps."
    ),
}


@functools.cache
def _data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    unknown = [
        entry["law"]
        for countries in data["flags"].values()
        for entry in countries.values()
        if entry["law"] not in LAW
    ]
    if unknown:
        raise ValueError(f"law.yaml names sentences law.py does not have: {unknown}")
    return data


def law_for(flag_id: str, country: str | None, lang: str = "en") -> str:
    """The law behind ``flag_id`` in the reader's country, in ``lang``; "" when none is known."""
    entry = _data()["flags"].get(flag_id, {}).get(country or "")
    if not entry:
        return ""
    with in_language(lang):
        return str(LAW[entry["law"]])
