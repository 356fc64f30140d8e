"""Support directory: load, validate and query the help lines in services.yaml.

Pure Python (no Flask, no database). The data file's header explains every
field; the one rule enforced here for the UI is that an entry with
``confidence: low`` is never ordered ahead of a better-sourced one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portal.languages import normalize_lang

DEFAULT_PATH = Path(__file__).with_name("services.yaml")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # both are safe loaders

NEEDS: tuple[str, ...] = (
    "emergency",
    "trafficking",
    "job-offer-verification",
    "drugs",
    "online-content",
    "child-protection",
    "mental-health",
    "legal-aid",
    "consular",
)
CHANNEL_TYPES = frozenset({"phone", "whatsapp", "web", "email", "sms", "app"})
COSTS = frozenset({"free", "standard"})
CONFIDENCE_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
INTL = "INTL"

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_ALPHA2 = frozenset(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV
CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD
GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK
LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW
MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR
PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS
ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY
UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split()
)

# Country names that may follow "Located in <city>," in an entry's notes.
_COUNTRY_NAMES = {
    "brunei": "BN",
    "cambodia": "KH",
    "indonesia": "ID",
    "laos": "LA",
    "lao pdr": "LA",
    "malaysia": "MY",
    "myanmar": "MM",
    "philippines": "PH",
    "the philippines": "PH",
    "singapore": "SG",
    "thailand": "TH",
    "timor-leste": "TL",
    "viet nam": "VN",
    "vietnam": "VN",
}
_LOCATED_RE = re.compile(r"\bLocated in [^,.;]+, ([A-Za-z][A-Za-z .'-]*?)\s*[.;]")

ENTRY_KEYS = frozenset(
    {
        "id",
        "country",
        "name",
        "organisation",
        "needs",
        "channels",
        "languages",
        "serves_nationals_abroad",
        "located_in",
        "source",
        "source_date",
        "confidence",
        "notes",
    }
)
# An entry id ("id-bnn") and a source link; the routing table checks its entries with them too.
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_DATE_RE = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])$")
_PHONE_RE = re.compile(r"^(?:\+[1-9][0-9 ]{3,}|[0-9][0-9 -]{1,})$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
URL_RE = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Channel:
    """One way to reach a service: a number, address or app."""

    type: str
    value: str
    hours: str | None = None
    cost: str | None = None


@dataclass(frozen=True)
class Service:
    """A help line, portal or office from the support directory."""

    id: str
    country: str
    name: dict[str, str] = field(hash=False)
    organisation: str
    needs: tuple[str, ...]
    channels: tuple[Channel, ...]
    languages: tuple[str, ...]
    serves_nationals_abroad: bool
    located_in: str | None
    source: tuple[str, ...]
    source_date: str | None
    confidence: str
    notes: str

    @property
    def is_low_confidence(self) -> bool:
        """True when the entry must never be a primary call to action."""
        return self.confidence == "low"


class _Bad(Exception):
    """Internal: one validation problem inside an entry."""


def _country_code(value: Any, what: str, *, allow_intl: bool) -> str:
    if not isinstance(value, str) or not (value in ISO_ALPHA2 or (allow_intl and value == INTL)):
        allowed = "an ISO 3166-1 alpha-2 code" + (' or "INTL"' if allow_intl else "")
        raise _Bad(f"{what} {value!r} is not {allowed}")
    return value


def _text(entry: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _str_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(f"{key!r} must be a list of strings, got {value!r}")
    return value


def _channel(raw: Any, index: int) -> Channel:
    where = f"channel #{index + 1}"
    if not isinstance(raw, Mapping):
        raise _Bad(f"{where} must be a mapping, got {raw!r}")
    unknown = set(raw) - {"type", "value", "hours", "cost"}
    if unknown:
        raise _Bad(f"{where} has unknown keys {sorted(unknown)}")
    ctype, value = raw.get("type"), raw.get("value")
    hours, cost = raw.get("hours"), raw.get("cost")
    if ctype not in CHANNEL_TYPES:
        raise _Bad(f"{where} type {ctype!r} not in {sorted(CHANNEL_TYPES)}")
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{where} value must be a non-empty string, got {value!r}")
    value = value.strip()
    checks = {
        "phone": _PHONE_RE,
        "whatsapp": _PHONE_RE,
        "sms": _PHONE_RE,
        "web": URL_RE,
        "email": _EMAIL_RE,
    }
    if ctype in checks and not checks[ctype].match(value):
        raise _Bad(f"{where} ({ctype}) has a malformed value {value!r}")
    if hours is not None and (not isinstance(hours, str) or not hours.strip()):
        raise _Bad(f"{where} hours must be text or null, got {hours!r}")
    if cost is not None and cost not in COSTS:
        raise _Bad(f"{where} cost {cost!r} must be one of {sorted(COSTS)} or null")
    return Channel(ctype, value, hours, cost)


def _sources(value: Any, confidence: str) -> tuple[str, ...]:
    if isinstance(value, str):
        # The reference joins several URLs with "; " in one string.
        value = re.split(r";\s*(?=https?://)", value)
    items = [s.strip() for s in _str_list(value, "source") if s.strip()]
    if not items:
        raise _Bad("'source' must not be empty")
    for item in items:
        if not URL_RE.match(item) and confidence != "low":
            raise _Bad(f"source {item!r} is not a URL (allowed only on low-confidence entries)")
    return tuple(items)


def located_in_from_notes(notes: str) -> str | None:
    """The ISO code of the country named in a "Located in <city>, <country>" note, if any."""
    match = _LOCATED_RE.search(notes or "")
    return _COUNTRY_NAMES.get(match.group(1).strip().lower()) if match else None


def _strings(value: Any) -> Iterable[str]:
    """Every string inside a YAML value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _service(entry: Mapping[str, Any]) -> Service:
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise _Bad(f"unknown keys {sorted(unknown)}")
    if any("\x00" in text for text in _strings(entry)):  # the database cannot store it
        raise _Bad("text must not contain NUL characters")
    sid = _text(entry, "id")
    if not ID_RE.match(sid):
        raise _Bad("id must be a lowercase slug like 'id-bnn-184'")
    country = _country_code(entry.get("country"), "country", allow_intl=True)
    if not sid.startswith(country.lower() + "-"):
        raise _Bad(f"id must start with the country code {country.lower()!r}")

    name = entry.get("name")
    if not isinstance(name, Mapping) or not all(
        isinstance(k, str) and _LANG_RE.match(k) and isinstance(v, str) and v.strip()
        for k, v in name.items()
    ):
        raise _Bad(f"'name' must map language codes to non-empty strings, got {name!r}")
    if "en" not in name:
        raise _Bad("'name' must have an 'en' entry")

    needs = _str_list(entry.get("needs"), "needs")
    bad_needs = [n for n in needs if n not in NEEDS]
    if not needs or bad_needs or len(set(needs)) != len(needs):
        raise _Bad(
            f"'needs' must be a non-empty list without repeats from {list(NEEDS)}; got {needs!r}"
        )

    raw_channels = entry.get("channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise _Bad("'channels' must be a non-empty list")
    channels = tuple(_channel(c, i) for i, c in enumerate(raw_channels))

    languages = _str_list(entry.get("languages"), "languages")
    if not all(_LANG_RE.match(lang) for lang in languages):
        raise _Bad(f"'languages' must hold lowercase language codes, got {languages!r}")

    abroad = entry.get("serves_nationals_abroad")
    if not isinstance(abroad, bool):
        raise _Bad(f"'serves_nationals_abroad' must be true or false, got {abroad!r}")

    confidence = entry.get("confidence")
    if confidence not in CONFIDENCE_RANK:
        raise _Bad(f"'confidence' must be one of {list(CONFIDENCE_RANK)}, got {confidence!r}")

    source_date = entry.get("source_date")
    if source_date is not None and not (
        isinstance(source_date, str) and _DATE_RE.match(source_date)
    ):
        raise _Bad(f"'source_date' must be \"YYYY-MM\" or null, got {source_date!r}")

    notes = _text(entry, "notes", required=False)
    derived = located_in_from_notes(notes)
    located_in = entry.get("located_in", derived)
    if located_in is not None:
        _country_code(located_in, "located_in", allow_intl=False)
        if located_in == country or not abroad:
            raise _Bad(
                "'located_in' is only for services abroad "
                "(serves_nationals_abroad: true, another country)"
            )
        if derived is not None and derived != located_in:
            raise _Bad(f"'located_in' {located_in} disagrees with notes ({derived})")

    return Service(
        id=sid,
        country=country,
        name=dict(name),
        organisation=_text(entry, "organisation"),
        needs=tuple(needs),
        channels=channels,
        languages=tuple(languages),
        serves_nationals_abroad=abroad,
        located_in=located_in,
        source=_sources(entry.get("source"), confidence),
        source_date=source_date,
        confidence=confidence,
        notes=notes,
    )


def parse_services(data: Any, origin: str = "<data>") -> list[Service]:
    """Validate already-parsed YAML data and build services; raise ValueError naming the bad entry."""
    if not isinstance(data, Mapping) or not isinstance(data.get("services"), list):
        raise ValueError(f"{origin}: expected a mapping with a 'services' list")
    services: list[Service] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["services"], start=1):
        sid = entry.get("id") if isinstance(entry, Mapping) else None
        label = f"entry {sid!r}" if isinstance(sid, str) else f"entry #{index} (no id)"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{origin}: {label}: must be a mapping")
        try:
            service = _service(entry)
        except _Bad as exc:
            raise ValueError(f"{origin}: {label}: {exc}") from None
        if service.id in seen:
            raise ValueError(f"{origin}: {label}: duplicate id")
        seen.add(service.id)
        services.append(service)
    return services


@functools.lru_cache(maxsize=1)
def _default_services() -> tuple[Service, ...]:
    return tuple(_load_file(DEFAULT_PATH))


def _load_file(path: Path) -> list[Service]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    return parse_services(data, str(path))


def load_services(path: str | Path | None = None) -> list[Service]:
    """Load and validate the directory (default: services.yaml beside this module, cached)."""
    if path is None:
        return list(_default_services())
    return _load_file(Path(path))


def _pool(services: Iterable[Service] | None) -> Sequence[Service]:
    return load_services() if services is None else list(services)


def _norm_country(code: str | None) -> str | None:
    return code.strip().upper() if code and code.strip() else None


def _rank(service: Service) -> int:
    return CONFIDENCE_RANK[service.confidence]


def _is_hotline(service: Service) -> bool:
    return any(c.type in ("phone", "whatsapp", "sms") for c in service.channels)


def emergency_contacts(
    country: str | None, *, services: Iterable[Service] | None = None
) -> list[Service]:
    """Services for danger happening now in `country`: emergency lines plus its trafficking hotlines.

    Ordered high confidence first and `low` last; embassies abroad and consular or
    job-check services are left out (they are not for immediate danger at home).
    """
    code = _norm_country(country)
    if code is None:
        return []
    found = [
        s
        for s in _pool(services)
        if s.country == code
        and s.located_in is None
        and (
            "emergency" in s.needs
            or (
                "trafficking" in s.needs
                and _is_hotline(s)
                and not {"consular", "job-offer-verification"} & set(s.needs)
            )
        )
    ]
    return sorted(found, key=lambda s: (_rank(s), "emergency" not in s.needs))


def _speaks(service: Service, language: str | None) -> bool:
    if not language:
        return True
    wanted = normalize_lang(language)
    return not service.languages or wanted in {normalize_lang(code) for code in service.languages}


def for_country(
    country: str | None,
    need: str | None = None,
    language: str | None = None,
    nationality: str | None = None,
    services: Iterable[Service] | None = None,
) -> list[Service]:
    """Services for someone in `country`, optionally filtered by need and language, ordered by confidence.

    With a `nationality` other than `country`, returns that state's services for its
    nationals abroad (its embassies in `country` first, embassies elsewhere left out)
    followed by `country`'s emergency services. Emergency services are never hidden by
    the language filter. `low` entries always come last.
    """
    if need is not None and need not in NEEDS:
        raise ValueError(f"unknown need {need!r}; expected one of {list(NEEDS)}")
    code, home = _norm_country(country), _norm_country(nationality)
    pool = _pool(services)

    def wanted(s: Service) -> bool:
        return (need is None or need in s.needs) and (
            "emergency" in s.needs or _speaks(s, language)
        )

    if home is None or home == code:
        if code is None:
            return []
        found = [s for s in pool if s.country == code and wanted(s)]
        return sorted(found, key=lambda s: (_rank(s), s.located_in is not None))

    groups: dict[str, int] = {}
    for s in pool:
        if (
            s.country == home
            and s.serves_nationals_abroad
            and wanted(s)
            and (code is None or s.located_in in (None, code))
        ):
            groups[s.id] = 0 if (code is not None and s.located_in == code) else 1
    for s in pool:
        if (
            code is not None
            and s.country == code
            and "emergency" in s.needs
            and s.located_in is None
        ):
            groups.setdefault(s.id, 2)
    found = [s for s in pool if s.id in groups]
    return sorted(found, key=lambda s: (s.is_low_confidence, groups[s.id], _rank(s)))


def primary_contact(services: Sequence[Service]) -> Service | None:
    """The first entry that may be shown as a primary call to action (never a `low` one)."""
    return next((s for s in services if not s.is_low_confidence), None)


def tel_href(channel: Channel) -> str | None:
    """A ``tel:`` URI for a phone or WhatsApp channel ("+62 21 123" -> "tel:+6221123"); None otherwise."""
    if channel.type not in ("phone", "whatsapp"):
        return None
    value = channel.value.strip()
    digits = re.sub(r"\D", "", value)
    if not digits:
        return None
    return f"tel:{'+' if value.startswith('+') else ''}{digits}"


def display_name(service: Service, lang: str | None) -> str:
    """The service's name in `lang` (also tried without region and under its other codes, e.g.
    tl/fil), else in English."""
    if lang:
        if service.name.get(lang):
            return service.name[lang]
        wanted = normalize_lang(lang)
        for key, name in service.name.items():
            if name and normalize_lang(key) == wanted:
                return name
    return service.name["en"]
