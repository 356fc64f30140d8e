"""What the staff tip page shows beside a tip's payment indicators: the account holder's name
as the reporter wrote it, and strings that look like a wallet address but fail its checksum
(never indicators, so never linked; shown so that staff can ask the reporter again)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.jobs.triage import triage_text
from portal.models import Tip
from portal.triage.indicators import PAYMENT_KINDS, extract_or_nothing, wallet_lookalikes
from portal.triage.scoring import phone_region


@dataclass(frozen=True)
class PaymentDetails:
    holders: dict[tuple[str, str], str]  # (kind, value) -> holder's name as written
    broken_addresses: list[str]


def payment_details(tip: Tip) -> PaymentDetails:
    text = triage_text(tip)
    found = extract_or_nothing(text, phone_region(tip.country, tip.lang), "on a tip page")
    holders = {
        (item.kind, item.value): item.holder
        for item in found
        if item.kind in PAYMENT_KINDS and item.holder
    }
    return PaymentDetails(holders, wallet_lookalikes(text))
