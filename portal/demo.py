"""`flask --app portal demo load`: a few realistic tips so a new install has something to show.

Idempotent: each demo tip comes from a fixed form token, so loading twice changes
nothing. Refused in production.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.config import current_settings
from portal.extensions import db
from portal.models import Author, Message, Tip, TipStatus
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


@demo_cli.command("load")
def load_command() -> None:
    """Create the demo tips (once) and print their receipt codes."""
    if current_settings().is_production:
        raise click.ClickException("demo data is never loaded in production")
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
