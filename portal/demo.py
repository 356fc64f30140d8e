"""`flask --app portal demo load`: a few realistic tips, three organisations and one
account in each, so a new install shows both sides: what reporters see and what staff do.

Idempotent: each demo tip comes from a fixed form token, each organisation and account
from a fixed name, so loading twice changes nothing. Refused in production, and so is
`flask demo code`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import click
import pyotp
from flask.cli import AppGroup

from portal.accounts import services as accounts
from portal.config import current_settings
from portal.extensions import db
from portal.job_offers import registry
from portal.models import (
    Author,
    Message,
    OrgKind,
    Referral,
    ReferralMode,
    StaffUser,
    Tip,
    TipStatus,
    Tlp,
)
from portal.organisations import referrals
from portal.organisations import services as organisations
from portal.tips import receipts
from portal.tips.services import NewTip, submit_tip

demo_cli = AppGroup("demo", help="Demonstration data (development only).")

DEMO_TIPS: list[tuple[str, NewTip]] = [
    (
        "demo-drugs-0000000000000000000001",
        NewTip(
            category="drugs",
            lang="id",
            country="ID",
            description="Akun ini jual sabu dan tembakau sintetis, ready stok, kirim COD ke seluruh "
            "Jakarta. Harga dikirim lewat DM. Pembayaran lewat DANA.",
            link="instagram.com/contoh.akun.demo",
            contact="",
            in_danger=False,
            answers={"platform": "instagram", "what_sold": "sabu, tembakau sintetis"},
        ),
    ),
    (
        "demo-joboffer-000000000000000000002",
        NewTip(
            category="job-offer",
            lang="vi",
            country="VN",
            description="Tuyển gấp nhân viên chăm sóc khách hàng tại Campuchia, lương 30 triệu/tháng, "
            "bao vé máy bay, không cần kinh nghiệm. Đi visa du lịch, sang bên đó làm "
            "giấy tờ sau.",
            link="Telegram @tuyendung_demo",
            contact="",
            in_danger=False,
            answers={
                "where_seen": "facebook",
                "destination": "KH",
                "salary": "30 triệu/tháng",
                "situation": "not_left",
            },
        ),
    ),
    (
        "demo-joboffer-000000000000000000003",
        NewTip(
            category="job-offer",
            lang="en",
            country="PH",
            description="My cousin went to Thailand for a customer service job. Now she says she is "
            "in Myawaddy, her passport was taken and they will not let her go home "
            "unless we pay.",
            link="+63 917 000 0000",
            contact="",
            in_danger=True,
            answers={"where_seen": "friend", "destination": "MM", "situation": "danger"},
        ),
    ),
    (
        "demo-extremism-00000000000000000004",
        NewTip(
            category="extremism",
            lang="id",
            country="ID",
            description="Grup Telegram ini menyebarkan ajakan bergabung dengan kelompok bersenjata "
            "dan meminta donasi.",
            link="t.me/contoh_grup_demo",
            contact="",
            in_danger=False,
            answers={"platform": "telegram", "content_kind": "recruitment"},
        ),
    ),
]

DEMO_REPLY = "Terima kasih. Bisakah Anda mengirim tangkapan layar dari unggahan itu?"

# Two partner organisations beside the coordinator: a drug agency and an embassy.
DEMO_ORGS = [
    organisations.OrgFields(
        slug="bnn",
        name="Badan Narkotika Nasional",
        name_en="National Narcotics Board (demo)",
        kind=OrgKind.LAW_ENFORCEMENT,
        country="ID",
        categories=("drugs",),
        countries=("ID",),
        languages=("id", "en"),
    ),
    organisations.OrgFields(
        slug="vn-embassy-kh",
        name="Đại sứ quán Việt Nam tại Campuchia",
        name_en="Embassy of Viet Nam in Cambodia (demo)",
        kind=OrgKind.EMBASSY,
        country="VN",
        categories=("job-offer", "other"),
        countries=("VN", "KH"),
        languages=("vi", "en"),
        name_public=True,
    ),
]
# username, role, organisation slug (None: the coordinator), console language
DEMO_ACCOUNTS = [
    ("demo-coordinator", "admin", None, "en"),
    ("demo-bnn", "supervisor", "bnn", "id"),
    ("demo-embassy", "analyst", "vn-embassy-kh", "vi"),
]
# Which demo tip each partner already has: the drug tip accepted by the drug agency, the
# Vietnamese job offer waiting for the embassy's answer.
DEMO_REFERRALS = [
    ("demo-drugs-0000000000000000000001", "bnn", True),
    ("demo-joboffer-000000000000000000002", "vn-embassy-kh", False),
]


def _refuse_in_production() -> None:
    if current_settings().is_production:
        raise click.ClickException("demo data and demo accounts are never made in production")


def demo_password(username: str) -> str:
    """A demo account's password: derived from this install's secret key, so it is the same
    on every `make run` here and known to no other install."""
    digest = hmac.new(
        current_settings().secret_key.encode(), f"demo-password:{username}".encode(), hashlib.sha256
    ).digest()
    return "demo-" + base64.b32encode(digest).decode()[:16].lower()


@demo_cli.command("load")
def load_command() -> None:
    """Create the demo tips, organisations and accounts (once) and print how to use them."""
    _refuse_in_production()
    secret = current_settings().secret_key
    for token, new in DEMO_TIPS:
        receipt = submit_tip(new, token)
        tip = db.session.get(Tip, receipt.tip_id)
        if tip is not None and not receipt.duplicate and new.category == "drugs":
            tip.status = TipStatus.IN_REVIEW
            db.session.add(Message(tip=tip, author=Author.STAFF, body=DEMO_REPLY))
            db.session.commit()
        code = receipts.grouped(receipts.receipt_for_token(token, secret))
        state = "exists" if receipt.duplicate else "created"
        click.echo(f"{new.category:<10} tip {receipt.tip_id:<4} {state:<8} receipt {code}")
    _load_organisations()
    _load_demo_registry()
    db.session.commit()
    _print_sign_in()


# A recruiter list for trying the checker's licence look-up. Not a real list: the names say
# "DEMO" and the source is a reserved address that cannot exist. Load a government's list
# with `flask registry load FILE` (see the README) in a real installation.
DEMO_REGISTRY = (
    "name,licence_number,country,source_url,date_retrieved\n"
    "PT DEMO Karya Contoh,DEMO-001/2026,ID,https://demo-list.invalid/not-a-real-list,2026-12-01\n"
    "Công ty CP DEMO Nhân lực Mẫu,DEMO-002/2026,VN,https://demo-list.invalid/not-a-real-list,"
    "2026-12-01\n"
)


def _load_demo_registry() -> None:
    """The demo list, unless an operator has loaded a list for the same country."""
    loaded = {item.country: item for item in registry.lists()}
    if all(item.source_url.startswith("https://demo-list.invalid/") for item in loaded.values()):
        registry.load(DEMO_REGISTRY.encode(), "demo registry (not a real list)")
        click.echo("recruiter list  DEMO data for ID and VN, not a real list")


def _load_organisations() -> None:
    organisations.ensure_coordinator()
    for fields in DEMO_ORGS:
        if organisations.by_slug(fields.slug) is None:
            organisations.create(fields)
    for username, role, slug, language in DEMO_ACCOUNTS:
        if db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == username)):
            continue
        org = organisations.by_slug(slug) if slug else organisations.ensure_coordinator()
        assert org is not None
        account = accounts.create_account(username, role, language, org.id)
        user = account.user
        accounts.complete_setup(user, demo_password(username), pyotp.TOTP(user.totp_secret).now())
        user.totp_last_counter = 0  # the code used here must not block the first sign-in
    coordinator = db.session.scalar(
        db.select(StaffUser).where(StaffUser.username == DEMO_ACCOUNTS[0][0])
    )
    for token, slug, accepted in DEMO_REFERRALS:
        tip = db.session.scalar(
            db.select(Tip).where(Tip.submission_key == receipts.submission_key(token))
        )
        org = organisations.by_slug(slug)
        if tip is None or org is None or coordinator is None:
            continue
        if db.session.scalar(
            db.select(Referral.id).where(
                Referral.tip_id == tip.id, Referral.to_org_id == org.id
            )
        ):
            continue
        referral = referrals.refer(
            tip,
            coordinator,
            org,
            reason="Demo: this tip is for you.",
            tlp=Tlp.AMBER,
            mode=ReferralMode.SHARE,
        )
        if accepted:
            member = db.session.scalar(
                db.select(StaffUser).where(StaffUser.organisation_id == org.id)
            )
            if member is not None:
                referrals.answer(referral, member, accept=True, reason="")


def _print_sign_in() -> None:
    click.echo("")
    click.echo("Demo staff accounts (development only), for /staff/login:")
    for username, role, slug, _language in DEMO_ACCOUNTS:
        org = slug or organisations.ensure_coordinator().slug
        click.echo(
            f"  {username:<17} password {demo_password(username)}  ({role}, {org})"
        )
    click.echo("  Code for the second step: .venv/bin/flask --app portal demo code USERNAME")


@demo_cli.command("code")
@click.argument("username")
def code_command(username: str) -> None:
    """Print the current sign-in code of a demo account (development only)."""
    _refuse_in_production()
    if username not in {name for name, *_rest in DEMO_ACCOUNTS}:
        raise click.ClickException(f"{username} is not a demo account")
    user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise click.ClickException("no such account yet: run `flask --app portal demo load`")
    click.echo(pyotp.TOTP(user.totp_secret).now())
