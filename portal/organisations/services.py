"""Creating, changing and listing organisations."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select

from portal.categories import CATEGORIES
from portal.extensions import db
from portal.i18n import LOCALES
from portal.models import Organisation, OrgKind, StaffUser, Tip, TipAccess
from portal.models.organisations import as_dict

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]")
COUNTRY = re.compile(r"[A-Z]{2}")
NAME_MAX = 200
# The organisation every upgraded install and every fresh database starts with.
DEFAULT_COORDINATOR = {
    "slug": "coordinator",
    "name": "Waspada",
    "name_en": "Waspada coordination team",
    "country": "ID",
}


class OrgError(ValueError):
    """A reason an organisation could not be created or changed; `code` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class OrgFields:
    """What an administrator fills in for an organisation."""

    slug: str
    name: str
    kind: str
    country: str
    name_en: str = ""
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    name_public: bool = False

    def checked(self) -> OrgFields:
        """The same fields, normalised; raises OrgError naming the first bad one."""
        slug = self.slug.strip().lower()
        if not SLUG.fullmatch(slug):
            raise OrgError("slug")
        name, name_en = self.name.strip(), self.name_en.strip()
        if not name or len(name) > NAME_MAX or len(name_en) > NAME_MAX:
            raise OrgError("name")
        if self.kind not in {k.value for k in OrgKind}:
            raise OrgError("kind")
        country = self.country.strip().upper()
        countries = tuple(sorted({c.strip().upper() for c in self.countries if c.strip()}))
        if not COUNTRY.fullmatch(country) or not all(COUNTRY.fullmatch(c) for c in countries):
            raise OrgError("country")
        categories = tuple(c for c in CATEGORIES if c in set(self.categories))
        if len(categories) != len(set(self.categories)):
            raise OrgError("categories")
        languages = tuple(code for code in LOCALES if code in set(self.languages))
        if len(languages) != len(set(self.languages)):
            raise OrgError("languages")
        return OrgFields(
            slug, name, self.kind, country, name_en or name, categories, countries, languages,
            self.name_public,
        )


def coordinator() -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(Organisation.kind == OrgKind.COORDINATOR).order_by(Organisation.id)
    )


def ensure_coordinator() -> Organisation:
    """The coordinator organisation, created on first use (a fresh database has none)."""
    org = coordinator()
    if org is None:
        org = Organisation(
            **DEFAULT_COORDINATOR,
            kind=OrgKind.COORDINATOR,
            categories=[],
            countries=[],
            languages=list(LOCALES),
        )
        db.session.add(org)
        db.session.flush()
    return org


def by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug.strip().lower()))


def create(fields: OrgFields) -> Organisation:
    """A new organisation. There is one coordinator: a second is refused."""
    fields = fields.checked()
    if by_slug(fields.slug) is not None:
        raise OrgError("exists")
    if fields.kind == OrgKind.COORDINATOR and coordinator() is not None:
        raise OrgError("second_coordinator")
    org = Organisation(
        slug=fields.slug,
        name=fields.name,
        name_en=fields.name_en,
        kind=fields.kind,
        country=fields.country,
        categories=list(fields.categories),
        countries=list(fields.countries),
        languages=list(fields.languages),
        name_public=fields.name_public,
    )
    db.session.add(org)
    db.session.flush()
    return org


def update(org: Organisation, fields: OrgFields) -> None:
    """Change an organisation; its slug and whether it is the coordinator stay."""
    fields = replace(fields, slug=org.slug).checked()
    if (fields.kind == OrgKind.COORDINATOR) != org.is_coordinator:
        raise OrgError("kind")
    org.name, org.name_en, org.country = fields.name, fields.name_en, fields.country
    org.categories, org.countries = list(fields.categories), list(fields.countries)
    org.languages, org.name_public = list(fields.languages), fields.name_public


def all_organisations(active_only: bool = False) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.kind != OrgKind.COORDINATOR, Organisation.name)
    if active_only:
        query = query.where(Organisation.active.is_(True))
    return list(db.session.scalars(query))


def counts() -> dict[int, tuple[int, int]]:
    """Members and tips per organisation id (the coordinator's tips: every tip)."""
    members = dict(
        db.session.execute(
            select(StaffUser.organisation_id, func.count()).group_by(StaffUser.organisation_id)
        ).all()
    )
    tips = dict(
        db.session.execute(select(TipAccess.org_id, func.count()).group_by(TipAccess.org_id)).all()
    )
    every = db.session.scalar(select(func.count()).select_from(Tip)) or 0
    return {
        org.id: (members.get(org.id, 0), every if org.is_coordinator else tips.get(org.id, 0))
        for org in all_organisations()
    }


def listing() -> list[dict[str, Any]]:
    """What `flask org list` prints: every organisation with its member and tip counts."""
    numbers = counts()
    return [
        {**as_dict(org), "members": numbers[org.id][0], "tips": numbers[org.id][1]}
        for org in all_organisations()
    ]


def takers(category: str, country: str | None) -> list[Organisation]:
    """Active organisations (not the coordinator) that take tips of this category and country."""
    found = []
    for org in all_organisations(active_only=True):
        if org.is_coordinator:
            continue
        if org.categories and category not in org.categories:
            continue
        if org.countries and (country or "") not in org.countries:
            continue
        found.append(org)
    return found
