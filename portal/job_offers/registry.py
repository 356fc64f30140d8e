"""Is this recruiter licensed? The lists an operator loads, and what the checker says about them.

Loading (``flask registry load FILE`` and the admin page): a UTF-8 CSV with the
header ``name,licence_number,country,source_url,date_retrieved``. The whole file is
checked first; any bad line refuses the file with every problem and its line
number, and nothing changes. A good file replaces, for each country it holds, that
country's list (other countries' lists stay), and reports what was added, removed
and kept.

Looking up (the checker): agency names ("PT …", "Công ty …", "Agensi Pekerjaan …
Sdn Bhd", "… Manpower Inc.", "บริษัท … จำกัด") and licence numbers ("SIP3MI No. …",
"giấy phép số …", "DMW License No. …") are found in the text and compared,
normalised, with the loaded lists. The answer is only ever "in the list of <date>"
(still confirm the job order before paying) or "not in the list of <date>" (check on
the official site before paying): never "safe", never "illegal".
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from babel import Locale
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import utcnow
from portal.models.registry import LicensedRecruiter, RecruiterList
from portal.triage.rules import strip_diacritics

COLUMNS = ("name", "licence_number", "country", "source_url", "date_retrieved")
FILE_MAX_BYTES = 10 * 1024 * 1024
MAX_PROBLEMS = 50
NAME_MAX, LICENCE_MAX, URL_MAX = 300, 100, 1000

# Legal forms and recruiting words that do not tell one agency from another.
_LEGAL = re.compile(
    r"\b(pt|cv|tbk|persero|cong ty|tnhh|co phan|cp|mtv|sdn|bhd|berhad|agensi pekerjaan|inc|"
    r"incorporated|corp|corporation|co|ltd|limited|llc|company|บริษัท|จำกัด|มหาชน)\b"
)
_NAME_PATTERNS = (
    # Indonesia: PT / CV and up to five capitalised words
    r"\b(?:PT|CV)\.?\s+(?:[A-Z][\w&'-]{0,40}[ \t]?){1,6}",
    # Vietnam: Công ty (TNHH / CP / Cổ phần) and the words up to a comma or line end
    r"\b[Cc]ông\s+[Tt]y\s+(?:TNHH|CP|[Cc]ổ\s+[Pp]hần)?[^,\n.;:()]{3,60}",
    # Malaysia: (Agensi Pekerjaan) … Sdn Bhd
    r"(?:\bAgensi\s+Pekerjaan\s+)?(?:[A-Z][\w&'.-]{0,40}\s){1,5}Sdn\.?\s*Bhd\.?",
    # Philippines and English: … Manpower / International / Recruitment … (Inc. / Corp.)
    r"(?:[A-Z][\w&'.-]{0,40}\s){1,4}(?:Manpower|International|Recruitment|Placement|Agency|"
    r"Services|Resources)(?:\s+(?:Agency|Services|Corporation|Corp\.?|Inc\.?|Co\.?))*",
    # Thailand: บริษัท … จำกัด
    r"บริษัท\s*[^\n,]{2,60}?จำกัด",
)
_NAMES = re.compile("|".join(f"(?:{pattern})" for pattern in _NAME_PATTERNS))
_LICENCE = re.compile(
    r"(?i)(?:sip3mi|izin|licen[cs]e|lisensya|gi[aấ]y\s+ph[eé]p|\bgp\b|lesen|ใบอนุญาต(?:จัดหางาน)?)"
    r"\s*(?:no\.?|number|nomor|nombor|n[oº]|s[oố]|blg\.?|เลขที่|ที่)?\s*[:#.]?\s*"
    r"(?P<number>[^\W_][\w/.\-]{2,40}[^\W_])"
)


_HOST = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+")


class RegistryFileRefused(ValueError):
    """The file was not loaded: ``problems`` is a list of (line number, code, detail)."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        super().__init__(
            "; ".join(f"line {line}: {code} {detail}" for line, code, detail in problems)
        )
        self.problems = problems


@dataclass
class CountryLoad:
    country: str
    added: int = 0
    removed: int = 0
    kept: int = 0


@dataclass
class LoadResult:
    countries: list[CountryLoad] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(item.added + item.kept for item in self.countries)


@dataclass(frozen=True)
class Row:
    country: str
    name: str
    name_key: str
    licence_number: str
    licence_key: str
    source_url: str
    retrieved: date


def name_key(name: str) -> str:
    """A name as compared: NFKC, case-folded, no accents, legal forms and punctuation removed."""
    text = strip_diacritics(unicodedata.normalize("NFKC", name).casefold())
    text = _LEGAL.sub(" ", re.sub(r"[^\w\s]", " ", text))
    return " ".join(text.split())[:NAME_MAX]


def licence_key(number: str) -> str:
    """A licence number as compared: upper case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()[:LICENCE_MAX]


def _countries() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if re.fullmatch("[A-Z]{2}", code))


def parse(content: bytes) -> list[Row]:
    """Every row of a registry CSV, or RegistryFileRefused with each problem and its line."""
    if len(content) > FILE_MAX_BYTES:
        raise RegistryFileRefused([(0, "too_large", f"{FILE_MAX_BYTES // (1024 * 1024)} MB")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise RegistryFileRefused([(line, "not_utf8", "")]) from None
    if "\x00" in text:
        raise RegistryFileRefused([(text[: text.index("\x00")].count("\n") + 1, "binary", "")])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or [cell.strip().lower() for cell in header] != list(COLUMNS):
        raise RegistryFileRefused([(1, "header", ",".join(COLUMNS))])
    rows: list[Row] = []
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    countries, today = _countries(), utcnow().date()
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            row, problem = _row(cells, countries, today)
            if problem is not None:
                problems.append((line, *problem))
            elif row is not None:
                first = seen.setdefault((row.country, row.licence_key), line)
                if first != line:
                    problems.append((line, "duplicate_licence", f"{row.licence_number} ({first})"))
                rows.append(row)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as error:
        problems.append((reader.line_num, "csv", str(error)[:100]))
    if problems:
        raise RegistryFileRefused(problems)
    if not rows:
        raise RegistryFileRefused([(2, "empty", "")])
    return rows


def _row(
    cells: Sequence[str], countries: frozenset[str], today: date
) -> tuple[Row | None, tuple[str, str] | None]:
    if len(cells) != len(COLUMNS):
        return None, ("columns", str(len(cells)))
    name, number, country, url, day = (cell.strip() for cell in cells)
    if not name or len(name) > NAME_MAX or not name_key(name):
        return None, ("name", name[:60])
    if not number or len(number) > LICENCE_MAX:
        return None, ("licence_number", number[:60])
    if country.upper() not in countries:
        return None, ("country", country[:10])
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # "https://[x", a host that does not normalise
        return None, ("source_url", url[:80])
    if len(url) > URL_MAX or parts.scheme not in ("https", "http") or not _HOST.fullmatch(host):
        return None, ("source_url", url[:80])
    try:
        retrieved = date.fromisoformat(day)
    except ValueError:
        return None, ("date_retrieved", day[:20])
    if retrieved > today or retrieved.year < 2000:
        return None, ("date_retrieved", day)
    return Row(
        country.upper(), name, name_key(name), number, licence_key(number), url, retrieved
    ), None


def load(content: bytes, file_name: str) -> LoadResult:
    """Replace each country's list by the file's rows (all or nothing); the caller commits."""
    rows = parse(content)
    result = LoadResult()
    for country in sorted({row.country for row in rows}):
        mine = [row for row in rows if row.country == country]
        old = {
            (item.licence_key, item.name_key)
            for item in db.session.scalars(
                select(LicensedRecruiter).where(LicensedRecruiter.country == country)
            )
        }
        new = {(row.licence_key, row.name_key) for row in mine}
        db.session.execute(delete(LicensedRecruiter).where(LicensedRecruiter.country == country))
        db.session.add_all(
            LicensedRecruiter(
                country=row.country,
                name=row.name,
                name_key=row.name_key,
                licence_number=row.licence_number,
                licence_key=row.licence_key,
                source_url=row.source_url,
                retrieved=row.retrieved,
            )
            for row in mine
        )
        listing = db.session.get(RecruiterList, country) or RecruiterList(country=country)
        listing.source_url = max(mine, key=lambda row: row.retrieved).source_url
        listing.retrieved = max(row.retrieved for row in mine)
        listing.entries = len(mine)
        listing.file_name = file_name[:200]
        listing.loaded_at = utcnow()
        db.session.add(listing)
        result.countries.append(
            CountryLoad(country, len(new - old), len(old - new), len(new & old))
        )
    db.session.flush()
    return result


def lists() -> list[RecruiterList]:
    """The loaded lists, by country."""
    return list(db.session.scalars(select(RecruiterList).order_by(RecruiterList.country)))


# ------------------------------------------------------------------ the checker's answers


@dataclass(frozen=True)
class Answer:
    """What the list of ``country`` says about a name or licence number found in the text."""

    quoted: str  # as the offer writes it
    kind: str  # "name" or "licence"
    found: bool
    country: str
    source: str  # the list's site, e.g. "dolab.gov.vn"
    retrieved: date
    listed_name: str = ""  # the name the list gives for a licence number found


def candidates(text: str) -> tuple[list[str], list[str]]:
    """Agency names and licence numbers an offer mentions, as written (at most five each)."""
    names: list[str] = []
    for match in _NAMES.finditer(text):
        quoted = _trim(" ".join(match.group(0).split()).strip(" .,-"))
        if name_key(quoted) and quoted not in names:
            names.append(quoted)
    numbers = []
    for match in _LICENCE.finditer(text):
        number = match["number"]
        if any(char.isdigit() for char in number) and number not in numbers:
            numbers.append(number)
    return names[:5], numbers[:5]


def _trim(name: str) -> str:
    """A Latin-script name ends at its last capitalised word ("Công ty TNHH Thành Đạt để nộp
    hồ sơ" → "Công ty TNHH Thành Đạt"); the legal form's own words may be lower case."""
    words = name.split(" ")
    if not words[0][:1].isupper():  # Thai "บริษัท … จำกัด" has no capitals
        return name
    keep = len(words)
    while keep > 2 and words[keep - 1][:1].islower():
        keep -= 1
    return " ".join(words[:keep])


def answers(text: str, home: str | None) -> list[Answer]:
    """The list's answer for each agency name and licence number in ``text``.

    A name or number found in any loaded list is "in the list" of that country; one
    found nowhere is "not in the list" of the reader's country, when that list is
    loaded (else nothing is said: no list, no answer).
    """
    loaded = {item.country: item for item in lists()}
    if not loaded:
        return []  # no list, no answer, and no need to look for names
    names, numbers = candidates(text)
    if not names and not numbers:
        return []
    result: list[Answer] = []
    for number in numbers:
        row = db.session.scalars(
            select(LicensedRecruiter).where(LicensedRecruiter.licence_key == licence_key(number))
        ).first()
        result.append(_answer(number, "licence", row, loaded, home))
    for name in names:
        row = db.session.scalars(
            select(LicensedRecruiter).where(LicensedRecruiter.name_key == name_key(name))
        ).first()
        if row is not None and any(item.found and item.listed_name == row.name for item in result):
            continue  # its licence number already said so
        result.append(_answer(name, "name", row, loaded, home))
    return [item for item in result if item.source]


def _answer(
    quoted: str,
    kind: str,
    row: LicensedRecruiter | None,
    loaded: dict[str, RecruiterList],
    home: str | None,
) -> Answer:
    if row is not None:
        listing = loaded[row.country]
        return Answer(
            quoted, kind, True, row.country, site(listing.source_url), listing.retrieved, row.name
        )
    mine = loaded.get(home or "")
    if mine is None:
        return Answer(quoted, kind, False, home or "", "", date.min)
    return Answer(quoted, kind, False, mine.country, site(mine.source_url), mine.retrieved)


def site(url: str) -> str:
    """The host of a list's address, as people type it ("dolab.gov.vn")."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
