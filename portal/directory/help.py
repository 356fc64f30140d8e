"""What the help page shows for a search: plain values in, plain values out.

The one rule that matters most: an entry with `confidence: low` is never the
main call to action and is never mixed in with checked contacts; it is listed
apart as "being verified".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.directory.entries import (
    INTL,
    NEEDS,
    Service,
    emergency_contacts,
    for_country,
)

# The order of the groups on the page. Someone abroad looks for their embassy first.
GROUP_ORDER: tuple[str, ...] = NEEDS
ABROAD_GROUP_ORDER: tuple[str, ...] = (
    "emergency",
    "consular",
    *(need for need in GROUP_ORDER if need not in ("emergency", "consular")),
)
CALLABLE = ("phone", "whatsapp")
assert set(GROUP_ORDER) == set(NEEDS)


@dataclass(frozen=True)
class HelpResult:
    """Contacts for one search, ready to show."""

    main: Service | None  # the big call-to-action; never a low-confidence entry
    groups: list[tuple[str, list[Service]]]  # (need, checked contacts) in page order
    unverified: list[Service]  # low-confidence entries, shown apart
    abroad: bool  # the reader is a national of another country
    danger: Service | None = None  # an emergency line to mention when none is listed

    @property
    def found(self) -> bool:
        return bool(self.main or self.groups or self.unverified)


def _callable(service: Service) -> bool:
    return any(channel.type in CALLABLE for channel in service.channels)


def main_contact(checked: Sequence[Service], *, abroad: bool) -> Service | None:
    """The best checked entry that is close to the reader, preferring one with a number to call.

    Embassies in other countries and international directories are never the main
    contact; neither is a low-confidence entry.
    """
    near = [
        s
        for s in checked
        if not s.is_low_confidence and s.country != INTL and (abroad or s.located_in is None)
    ]
    return next((s for s in near if _callable(s)), near[0] if near else None)


def _group_of(service: Service, need: str | None, order: Sequence[str]) -> str:
    if need and need in service.needs:
        return need
    return min(service.needs, key=order.index)


def find_help(
    services: Sequence[Service],
    country: str | None,
    need: str | None = None,
    language: str | None = None,
    nationality: str | None = None,
) -> HelpResult:
    """Contacts for someone in `country` (None: a country not in the list).

    With a `nationality` other than `country`, that state's services for its
    nationals abroad come first (its embassy in `country` before anything else),
    followed by the local emergency lines. International services that fit the
    need and language are added at the end of their group.
    """
    home = nationality if nationality and nationality != country else None
    abroad = home is not None
    local = for_country(country, need, language, home, services=services)
    if country is None:
        # "Another country": embassies in the countries we list are in the wrong place.
        local = [s for s in local if s.located_in is None]
    seen = {s.id for s in local}
    international = [
        s for s in for_country(INTL, need, language, services=services) if s.id not in seen
    ]
    everything = [*local, *international]
    checked = [s for s in everything if not s.is_low_confidence]
    unverified = [s for s in everything if s.is_low_confidence]
    main = main_contact(checked, abroad=abroad)

    order = ABROAD_GROUP_ORDER if abroad else GROUP_ORDER
    if need:
        order = (need, *(n for n in order if n != need))
    grouped: dict[str, list[Service]] = {}
    for service in checked:
        if service is not main:
            grouped.setdefault(_group_of(service, need, order), []).append(service)
    groups = [(key, grouped[key]) for key in order if key in grouped]

    danger = None
    if country and not any("emergency" in s.needs for s in checked):
        danger = next(
            (
                s
                for s in emergency_contacts(country, services=services)
                if "emergency" in s.needs and not s.is_low_confidence and _callable(s)
            ),
            None,
        )
    return HelpResult(main=main, groups=groups, unverified=unverified, abroad=abroad, danger=danger)
