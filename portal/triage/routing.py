"""Routing suggestions: which agency in which country can act on a tip (staff only).

Pure Python over ``data/routing.yaml`` and, for embassies the table lacks, the support
directory the caller passes (the triage job passes the one in the database, which the help
page shows too). ``suggest_routes`` returns routes in this order:

1. the agencies listed for (category, country), in table order; the
   category's ``default`` list when the country is missing or not in the table;
2. job-offer, when ``nationality`` differs from ``country``: the nationality's
   services for citizens abroad, then its embassy in ``country``;
3. job-offer, when ``destination`` differs from ``country``: the nationality's
   embassy located in the destination, then embassies that also cover it, then
   the destination's anti-trafficking contacts;
4. platform reports, only for platforms among ``indicator_kinds``;
5. the financial intelligence unit of each country in ``payment_countries`` (where the
   bank accounts and e-wallets the tip names are held).

An agency already suggested keeps its first place. With ``urgent=True`` a
stable sort brings forward, in this order: the person's embassy where they are
or where the job is (the reference: victims in compounds abroad are better
served by their embassy than by local police), emergency lines, other law
enforcement; the rest follows. Embassy contacts with ``low`` confidence come
after better-sourced ones.

Each route's ``reason`` is a code from ``REASONS`` and ``reason_params`` its values (country
codes, a platform name): stored so, they are put into words in the reader's language when
shown, never stored as English sentences.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from portal.categories import CATEGORIES
from portal.directory.entries import ID_RE, URL_RE, Service, load_services

DEFAULT_PATH = Path(__file__).with_name("data") / "routing.yaml"
KINDS = tuple(
    "law-enforcement regulator platform-report ministry embassy ngo international "
    "financial-intelligence".split()
)
CONFIDENCES = ("high", "medium", "low")
PLATFORMS = ("telegram", "facebook", "instagram", "tiktok", "whatsapp", "line")
_LABELS = {"tiktok": "TikTok", "whatsapp": "WhatsApp", "line": "LINE"}
# Why a route is suggested; the parameters each reason takes are named after the colon.
REASONS = {
    "country": ("country",),  # the tip is about this country
    "no_country": (),  # no country given: regional contacts
    "no_entries": ("country",),  # the table has nothing for this country: regional contacts
    "platform": ("platform",),  # the tip names an account on this platform
    "abroad_agency": ("nationality",),  # this agency helps its citizens abroad
    "embassy_here": ("nationality", "country"),  # their embassy where the person is now
    "embassy_destination": ("nationality", "destination"),  # their embassy where the job is
    "embassy_covers": ("nationality", "destination", "located_in"),  # one that also covers it
    "anti_trafficking": ("destination",),  # local anti-trafficking contact at the destination
    "payment_account": ("country",),  # the tip names a bank account or e-wallet of this country
}
DEFAULT, INTL = "default", "INTL"
_REQUIRED = ("id", "name", "country", "kind", "why", "contact", "source", "confidence")
_OPTIONAL: dict[str, type] = {
    **dict.fromkeys(("local_name", "directory_id", "located_in", "platform"), str),
    **dict.fromkeys(("emergency", "anti_trafficking", "abroad"), bool),
    "also_covers": list,
}


@dataclass(frozen=True)
class Agency:
    """One body that can act on tips, as listed in the routing table."""

    id: str
    name: str
    country: str
    kind: str
    why: str
    contact: str | None
    source: str
    confidence: str
    local_name: str | None = None
    directory_id: str | None = None
    located_in: str | None = None
    also_covers: tuple[str, ...] = ()
    platform: str | None = None
    emergency: bool = False
    anti_trafficking: bool = False
    abroad: bool = False


@dataclass(frozen=True)
class RoutingTable:
    """The validated routing table: countries (code -> name, demonym), agencies by id, routes."""

    countries: dict[str, tuple[str, str]]
    agencies: dict[str, Agency]
    routes: dict[str, dict[str, tuple[Agency, ...]]]

    def name(self, code: str) -> str:
        """English name of a country code ("the Philippines"), or the code itself."""
        return self.countries[code][0] if code in self.countries else code

    def people(self, code: str) -> str:
        """Demonym of a country code ("Indonesian"), or the code itself."""
        return self.countries[code][1] if code in self.countries else code


@dataclass(frozen=True)
class Route:
    """A suggestion for staff: the agency, what it can do, and why this tip goes there."""

    agency_id: str
    name: str
    country: str
    kind: str
    why: str
    contact: str | None
    source: str
    confidence: str
    reason: str
    local_name: str | None = None
    reason_params: dict[str, str] = field(default_factory=dict)


def _agency(raw: Mapping[str, Any], countries: Mapping[str, Any]) -> Agency:
    missing = [key for key in _REQUIRED if key not in raw]
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise ValueError(f"missing fields {missing}" if missing else f"unknown fields {unknown}")
    for key, value in ((k, raw[k]) for k in _REQUIRED if raw[k] is not None or k != "contact"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{key!r} must be a non-empty string, got {value!r}")
    for key, kind in _OPTIONAL.items():
        if raw.get(key) is not None and not isinstance(raw[key], kind):
            raise ValueError(f"{key!r} must be of type {kind.__name__}, got {raw[key]!r}")
    if not ID_RE.match(raw["id"]):
        raise ValueError("id must be a lowercase slug like 'id-bnn'")
    if raw["kind"] not in KINDS:
        raise ValueError(f"unknown kind {raw['kind']!r}; expected one of {list(KINDS)}")
    if raw["confidence"] not in CONFIDENCES:
        raise ValueError(f"unknown confidence {raw['confidence']!r}; expected one of {CONFIDENCES}")
    if not URL_RE.match(raw["source"]) and raw["confidence"] != "low":
        raise ValueError("source must be a URL unless confidence is low")
    if (raw["kind"] == "platform-report") != (raw.get("platform") in PLATFORMS):
        raise ValueError(
            f"platform-report entries, and only they, need a platform in {list(PLATFORMS)}"
        )
    if (raw["kind"] == "embassy") != (raw.get("located_in") is not None):
        raise ValueError("embassies, and only they, need 'located_in'")
    covers = tuple(raw.get("also_covers") or ())
    for code in (raw["country"], raw.get("located_in"), *covers):
        if code is not None and code not in countries and code != INTL:
            raise ValueError(f"country {code!r} is not in 'countries'")
    fields = {key: raw[key] for key in raw if key != "also_covers"}
    return Agency(**fields, also_covers=covers)


def _route_list(items: Any, where: str, agencies: Mapping[str, Agency]) -> tuple[Agency, ...]:
    if not isinstance(items, list):
        raise ValueError(f"{where}: must be a list of agency ids")
    resolved: dict[str, Agency] = {}
    for item in items:
        ref = item if isinstance(item, Mapping) else {"id": item}
        aid, why = ref.get("id"), ref.get("why")
        if set(ref) - {"id", "why"} or not isinstance(aid, str) or aid not in agencies:
            raise ValueError(f"{where}: unknown agency or fields in {item!r}")
        if aid in resolved:
            raise ValueError(f"{where}: duplicate agency {aid!r}")
        if why is not None and not (isinstance(why, str) and why.strip()):
            raise ValueError(f"{where}: agency {aid!r}: 'why' must be a non-empty string")
        resolved[aid] = replace(agencies[aid], why=why) if why else agencies[aid]
    return tuple(resolved.values())


def parse_routing(data: Any, origin: str = "<data>") -> RoutingTable:
    """Validate parsed YAML and build the table; raise ValueError naming the bad entry."""
    if not isinstance(data, Mapping) or set(data) != {"countries", "agencies", "routes"}:
        raise ValueError(f"{origin}: expected exactly the keys countries, agencies, routes")
    try:
        countries = {c: (v["name"], v["demonym"]) for c, v in data["countries"].items()}
    except (AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"{origin}: countries: each needs a name and a demonym ({exc})") from None
    agencies: dict[str, Agency] = {}
    for index, raw in enumerate(data["agencies"] or [], start=1):
        aid = raw.get("id") if isinstance(raw, Mapping) else None
        label = f"agency {aid!r}" if isinstance(aid, str) else f"agency #{index}"
        try:
            if not isinstance(raw, Mapping) or aid in agencies:
                raise ValueError("duplicate id" if aid in agencies else "must be a mapping")
            agencies[str(aid)] = _agency(raw, countries)
        except ValueError as exc:
            raise ValueError(f"{origin}: {label}: {exc}") from None
    routes_raw = data["routes"]
    if not isinstance(routes_raw, Mapping) or set(routes_raw) != set(CATEGORIES):
        got = sorted(routes_raw) if isinstance(routes_raw, Mapping) else routes_raw
        raise ValueError(f"{origin}: routes: categories must be {list(CATEGORIES)}, got {got}")
    routes: dict[str, dict[str, tuple[Agency, ...]]] = {}
    for category in CATEGORIES:
        by_country = routes_raw[category]
        if not isinstance(by_country, Mapping) or DEFAULT not in by_country:
            raise ValueError(f"{origin}: routes.{category}: needs a '{DEFAULT}' list")
        bad = [code for code in by_country if code != DEFAULT and code not in countries]
        if bad:
            raise ValueError(f"{origin}: routes.{category}.{bad[0]}: unknown country")
        routes[category] = {
            code: _route_list(items, f"{origin}: routes.{category}.{code}", agencies)
            for code, items in by_country.items()
        }
    return RoutingTable(countries, agencies, routes)


def load_routing(path: str | Path | None = None) -> RoutingTable:
    """Load and validate a routing table (default: ``data/routing.yaml``, read once and cached)."""
    return _default_table() if path is None else _load(Path(path))


@functools.lru_cache(maxsize=1)
def _default_table() -> RoutingTable:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> RoutingTable:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    return parse_routing(data, str(path))


def _code(value: str | None) -> str | None:
    return value.strip().upper() if value and value.strip() else None


def _embassies(
    table: RoutingTable, nationality: str, place: str, services: Sequence[Service]
) -> list[tuple[Agency, bool]]:
    """`nationality`'s embassies for people in `place` as (agency, located there) pairs.

    Those located there come first (the table's, then support-directory entries the
    table lacks), then those that also cover `place`; `low` confidence ones go last.
    A directory entry has no `why` of its own: its reason says it all.
    """
    ours = [a for a in table.agencies.values() if a.kind == "embassy" and a.country == nationality]
    known = {a.directory_id for a in table.agencies.values()}
    found = [(a, True) for a in ours if a.located_in == place] + [
        (Agency(s.id, s.name["en"], s.country, "embassy", "", s.channels[0].value, s.source[0],
                s.confidence, directory_id=s.id, located_in=s.located_in), True)
        for s in services
        if s.country == nationality and s.serves_nationals_abroad and s.located_in == place
        and s.id not in known
    ] + [(a, False) for a in ours if place in a.also_covers]  # fmt: skip
    return sorted(found, key=lambda pair: pair[0].confidence == "low")


def suggest_routes(
    category: str,
    country: str | None,
    *,
    destination: str | None = None,
    nationality: str | None = None,
    indicator_kinds: Iterable[str] = (),
    payment_countries: Iterable[str] = (),
    urgent: bool = False,
    table: RoutingTable | None = None,
    services: Sequence[Service] | None = None,
) -> list[Route]:
    """Agencies that can act on a tip, each with the reason it applies, in the module's order.

    `country` is where the reporter or victim is from or is now; `nationality`
    defaults to it. `payment_countries`: the countries of the bank accounts and e-wallets the
    tip names; each one's financial intelligence unit is suggested. `services` is the support directory to take embassies from (the
    packaged one when omitted). Raises ValueError for an unknown category.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; expected one of {list(CATEGORIES)}")
    table = table or load_routing()
    directory = load_services() if services is None else services
    here, dest, home = _code(country), _code(destination), _code(nationality) or _code(country)
    kinds = {kind.strip().lower() for kind in indicator_kinds}
    picked: dict[str, tuple[int, Route]] = {}

    def add(agency: Agency, reason: str, rank: int | None = None, **params: str) -> None:
        if agency.kind == "platform-report":
            if agency.platform not in kinds:
                return
            label = _LABELS.get(str(agency.platform), str(agency.platform).title())
            reason, params = "platform", {"platform": label}
        if rank is None:
            rank = 1 if agency.emergency else 2 if agency.kind == "law-enforcement" else 3
        fields = {k: v for k, v in vars(agency).items() if k in Route.__dataclass_fields__}
        route = Route(agency_id=agency.id, **fields, reason=reason, reason_params=params)
        picked.setdefault(agency.id, (rank, route))

    listed = table.routes[category]
    if here is not None and here in listed and here != DEFAULT:
        for agency in listed[here]:
            add(agency, "country", country=here)
    else:
        for agency in listed[DEFAULT]:
            if here is None:
                add(agency, "no_country")
            else:
                add(agency, "no_entries", country=here)

    abroad = category == "job-offer" and dest is not None and dest != here
    if category == "job-offer" and home is not None:
        if here is not None and here != home:
            for agency in table.agencies.values():
                if agency.abroad and agency.country == home and agency.kind != "embassy":
                    add(agency, "abroad_agency", nationality=home)
            for agency, _ in _embassies(table, home, here, directory):
                add(agency, "embassy_here", 0, nationality=home, country=here)
        for agency, located in _embassies(table, home, dest, directory) if abroad and dest else []:
            if located:
                add(agency, "embassy_destination", 0, nationality=home, destination=str(dest))
            else:
                add(agency, "embassy_covers", 0, nationality=home, destination=str(dest),
                    located_in=str(agency.located_in))  # fmt: skip
    for agency in table.agencies.values():
        if abroad and agency.anti_trafficking and agency.country == dest:
            add(agency, "anti_trafficking", destination=agency.country)
    for agency in table.agencies.values():
        if agency.kind == "platform-report":
            add(agency, "platform")
    for code in dict.fromkeys(filter(None, map(_code, payment_countries))):
        for agency in table.agencies.values():
            if agency.kind == "financial-intelligence" and agency.country == code:
                add(agency, "payment_account", country=code)

    ordered = list(picked.values())
    if urgent:
        ordered.sort(key=lambda pair: pair[0])
    return [route for _, route in ordered]
