"""What each warning sign means, for the person who received the offer, in their language.

One short title and one or two plain sentences per red-flag id of
shared/reference/job_offer_red_flags.md §1a (the staff wording of the same flags
lives in portal/triage/data/job_red_flags.yaml). The strings are lazy, so they
are translated when shown; ``portal.job_offers.checker.check`` resolves them in
the reader's language.

Wording rule: never call an offer, a recruiter or a result "safe" (nor "aman",
"an toàn"): the checker can only say which known warning signs it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale, UnknownLocaleError
from flask import has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.languages import normalize_lang

#: red-flag id → (short title, explanation)
FLAGS: dict[str, tuple[LazyString, LazyString]] = {
    "unrealistic_salary": (
        _l("Pay that is too good to be true"),
        _l(
            "The pay is far higher than this kind of work usually earns. High pay for easy "
            "work is the most common bait used to lure people into scam compounds."
        ),
    ),
    "no_experience_required": (
        _l("No experience or diploma needed"),
        _l(
            "Nothing is asked of you: no experience, diploma or skills. Together with high "
            "pay, requirements this easy are a classic warning sign."
        ),
    ),
    "informal_channel_only": (
        _l("Only a chat app or a personal number"),
        _l(
            "You can apply only through a chat app or a personal phone number, with no "
            "company office or website that you can check."
        ),
    ),
    "tourist_visa_entry": (
        _l("Tourist or visit visa"),
        _l(
            "You would travel on a tourist or visit visa, or the visa would be sorted out "
            "later. Without a work visa you have no legal protection at work abroad."
        ),
    ),
    "employer_pays_all_costs": (
        _l("Everything is free"),
        _l(
            "Flight, visa, housing and food are all said to be paid for you. Such costs are "
            "often turned into a debt that people are then forced to work off."
        ),
    ),
    "upfront_fee": (
        _l("A fee before you leave"),
        _l(
            "You are asked to pay a fee or deposit before you leave. Paying early, above all "
            "to a personal bank account or e-wallet, is a strong sign of a scam."
        ),
    ),
    "hotspot_destination": (
        _l("A place known for scam compounds"),
        _l(
            "The offer names a place known for compounds where people are held and forced "
            "to run online scams."
        ),
    ),
    "vague_job_title": (
        _l("A vague job title"),
        _l(
            "The job is called something vague, like customer service, admin, operator or "
            "data entry, and says nothing about the employer."
        ),
    ),
    "gambling_crypto_role": (
        _l("Online gambling or crypto work"),
        _l(
            "The work involves online gambling, a casino, or crypto and investment chats. "
            "Scam compounds run exactly this kind of work."
        ),
    ),
    "typing_or_language_test": (
        _l("Fast typing or a language is the main requirement"),
        _l(
            "The main requirement is fast typing or speaking a certain language. Scam "
            "compounds look for people who can chat quickly with victims in their language."
        ),
    ),
    "urgency_pressure": (
        _l("Pressure to decide fast"),
        _l(
            "You are pushed to decide or leave quickly. Pressure is used to stop people from "
            "checking an offer."
        ),
    ),
    "passport_handover": (
        _l("Your passport would be taken"),
        _l(
            "The employer would keep your passport, or you are told you do not need one. "
            "Taking passports away is a main way of stopping people from leaving."
        ),
    ),
    "no_written_contract": (
        _l("No written contract"),
        _l(
            "There is no written contract, or you would sign it only after you arrive. A legal "
            "job abroad has a signed contract before you leave."
        ),
    ),
    "irregular_route": (
        _l("A route that avoids immigration"),
        _l(
            "The trip avoids normal border checks: a land crossing with a pick-up, a "
            "speedboat, a crossing at night or an escort past immigration."
        ),
    ),
    "coached_to_lie": (
        _l("Told what to say at immigration"),
        _l(
            "You are told what to say to officials, for example that you are a tourist. An "
            "honest employer never asks you to lie at immigration."
        ),
    ),
    "age_gender_targeting": (
        _l("Only young or good-looking people"),
        _l(
            "The offer looks only for a narrow age group or for good-looking women. Offers "
            "like this can lead to sexual exploitation."
        ),
    ),
    "unverifiable_recruiter": (
        _l("A recruiter nobody can check"),
        _l(
            "The recruiter cannot be checked: a private person, a free e-mail address, no "
            "company or licence, or a bonus for bringing friends."
        ),
    ),
    "pay_personal_account": (
        _l("Pay into a personal account"),
        _l(
            "The offer gives a personal bank account, e-wallet or crypto wallet to send money to. "
            "A real employer or licensed agency never asks you to pay a person's account before "
            "you sign a contract. Do not send money. Pay only a licensed agency, at its office, "
            "and ask for a receipt."
        ),
    ),
    "outside_licensed_channels": (
        _l("Not through a licensed recruiter"),
        _l(
            "The offer skips the legal way to work abroad: no licensed company, no visit to "
            "the local labour office, or no training before you leave. Without these steps "
            "nobody protects you if something goes wrong."
        ),
    ),
    "guaranteed_departure": (
        _l("A departure that is promised"),
        _l(
            "The offer promises that you will surely leave, or leave very fast. Only the "
            "embassy and the government decide on a visa, so no honest recruiter can promise "
            "this."
        ),
    ),
    "brokerage_fee": (
        _l("A fee for a middleman"),
        _l("You are asked to pay a middleman or broker to get the job."),
    ),
    "deposit_to_person": (
        _l("A deposit in cash or to a person"),
        _l("You are asked to give a deposit in cash or to a person, not to a bank."),
    ),
    "fee_above_cap": (
        _l("A fee above what the law allows"),
        _l(
            "The fee is higher than the law of your country allows for a job with this pay. "
            "An honest recruiter stays under the legal limit and gives a receipt."
        ),
    ),
    "my_agency_name": (
        _l("A recruiter's name without \u201cAgensi Pekerjaan\u201d"),
        _l(
            "In Malaysia, the name of a licensed recruiter begins with \u201cAgensi "
            "Pekerjaan\u201d (Act 246). This name does not. Check its licence with the Labour "
            "Department (JTK) before you pay anything."
        ),
    ),
    "irregular_departure": (
        _l("A known way to leave without papers"),
        _l(
            "You would leave from a port or border post where many people go abroad without "
            "the official steps. People who go this way have no protection."
        ),
    ),
}

#: Flags from the candidate rules of job_offer_law_and_routes.md §6 (not in the red-flag
#: reference): project id → its ids there.
LAW_RULES: dict[str, tuple[str, ...]] = {
    "pay_personal_account": ("PAY_PERSONAL",),
    "outside_licensed_channels": ("BYPASS_ID", "BYPASS_VN", "BYPASS_PH"),
    "guaranteed_departure": ("BYPASS_VN",),
    "brokerage_fee": ("BROKER_VN",),
    "deposit_to_person": ("DEPOSIT_VN",),
    "irregular_departure": ("ROUTE_ID", "ROUTE_VN"),
    "fee_above_cap": ("FEE_PH", "FEE_VN"),
    "my_agency_name": ("MY_AGENCY",),
}

#: Notes (combinations and pay) from the same candidate rules: project id → its ids there.
LAW_NOTES: dict[str, tuple[str, ...]] = {
    "fee_unlicensed": ("FEE_ID", "FEE_VN", "BYPASS_ID", "BYPASS_VN", "BYPASS_PH"),
    "fee_guaranteed_departure": ("FEE_ID", "FEE_VN", "BYPASS_VN"),
    "fee_zero_cost_job": ("FEE_ZERO_JOB",),
    "fee_household_worker": ("FEE_PH",),
    "banned_domestic_placement": ("ME_DOMESTIC_ID",),
    "irregular_departure_combination": ("ROUTE_ID", "ROUTE_VN"),
    "visit_visa_work": ("VISIT_VISA",),
    "government_impersonation": ("GOV_IMPERSONATION",),
    "non_procedural_placement": ("DEST_KH_MM_LA",),
}

#: The transit-point variant of ``hotspot_destination`` (reference §1c "Transit cues").
TRANSIT: tuple[LazyString, LazyString] = (
    _l("A transit point on the way to scam compounds"),
    _l(
        "The route goes through a border crossing or transit point that traffickers use on "
        "the way to scam compounds."
    ),
)

#: Why a result is what it is, beyond the single signs (reference §1d).
NOTES: dict[str, LazyString] = {
    "hotspot_combination": _l(
        "A place known for scam compounds together with a tourist visa, a hidden route, a "
        "taken passport or a story to tell at immigration: this combination alone means "
        "high risk."
    ),
    "non_procedural_placement": _l(
        "Indonesia does not send workers to Cambodia, Myanmar or Laos, so no legal "
        "recruitment for work there exists."
    ),
    "fee_unlicensed": _l(
        "A fee together with a recruiter outside the licensed channels: this is how "
        "placement fraud works. People pay and never leave, or leave with no protection. "
        "This alone means high risk."
    ),
    "fee_guaranteed_departure": _l(
        "A fee together with a promise of a sure or quick departure: this is how placement "
        "fraud works. This alone means high risk."
    ),
    "fee_zero_cost_job": _l(
        "In Indonesia, a worker in these ten jobs pays nothing for placement: household "
        "worker, baby carer, child carer, elderly carer, cook, family driver, gardener, "
        "cleaner, farm worker and fishing crew (Law 18/2017, BP2MI Regulation 9/2020)."
    ),
    "fee_household_worker": _l(
        "In the Philippines, household workers pay no placement fee at all, not even by "
        "salary deduction (POEA Resolution 6 of 2006)."
    ),
    "banned_domestic_placement": _l(
        "Since 2015, Indonesia does not allow household workers to be placed with families "
        "in Middle East countries (Minister of Manpower Decree 260/2015). Ask SISKOP2MI "
        "about the rules today."
    ),
    "irregular_departure_combination": _l(
        "Leaving from a known irregular departure point while skipping the official steps "
        "means you would travel and work without any protection."
    ),
    "visit_visa_work": _l(
        "Working abroad on a tourist or visit visa is not legal work. You have no "
        "protection, and you can be arrested or sent home."
    ),
    "government_impersonation": _l(
        "Government offices do not recruit through private chat numbers or ask for money "
        "into personal accounts. Fake copies of their pages exist."
    ),
    "warning_context": _l(
        "This text reads like a warning or a news story about scams rather than a job offer. "
        "If you received an offer, paste the offer itself."
    ),
}


@contextmanager
def in_language(lang: str | None) -> Iterator[None]:
    """Resolve lazy strings in ``lang`` inside an app context; in English (the msgids) outside."""
    if not has_app_context():
        yield
        return
    try:
        locale = str(Locale.parse(normalize_lang(lang) or "en"))
    except (UnknownLocaleError, ValueError, TypeError):
        locale = "en"
    with force_locale(locale):
        yield
