"""Realistic generated tips (id/en/vi) for benchmarks: sales, scam offers, news, ordinary ads."""

from __future__ import annotations

import random

TEMPLATES = [
    (
        "drugs",
        "id",
        "Akun ini jual sabu dan ekstasi, ready stock, COD seluruh {city}. Harga {p}rb "
        "per gram, order via WA 08{a}-{b}-{c} atau t.me/{handle}. Bayar lewat DANA.",
    ),
    (
        "drugs",
        "en",
        "This account sells weed and pills, prices 1g ${p}, DM @{handle} on "
        "Telegram, discreet shipping, https://{handle}-shop.com/menu",
    ),
    (
        "drugs",
        "vi",
        "Tài khoản này bán hàng đá, giá {p}k/gói, ship COD toàn quốc, nhắn Zalo "
        "09{a}{b}{c} hoặc tele @{handle}",
    ),
    (
        "drugs",
        "id",
        "Berita: polisi menangkap pengedar sabu di {city}, barang bukti 2 kg. BNN "
        "mengimbau masyarakat melapor.",
    ),
    (
        "job-offer",
        "id",
        "Lowongan CS di Sihanoukville, gaji {p} juta, tanpa pengalaman, visa "
        "turis dulu, tiket ditanggung. Hubungi WA 08{a}-{b}-{c} / @{handle}",
    ),
    (
        "job-offer",
        "vi",
        "Tuyển gấp CSKH tại Campuchia, lương 30 triệu, bao vé máy bay, không "
        "cần kinh nghiệm, liên hệ Zalo 09{a}{b}{c}",
    ),
    (
        "job-offer",
        "en",
        "Hiring customer service in Myawaddy, high salary {p}00 USD, tourist "
        "visa, passport kept by employer for safety. Apply: {handle}@gmail.com",
    ),
    (
        "job-offer",
        "id",
        "Dibutuhkan operator produksi pabrik di Bekasi, lulusan SMA, gaji UMR, "
        "kirim lamaran ke hrd@{handle}.co.id",
    ),
    (
        "extremism",
        "id",
        "Grup t.me/{handle} mengajak bergabung dan meminta donasi untuk kelompok bersenjata.",
    ),
    (
        "other",
        "en",
        "My cousin is held in a compound, they took her passport and she cannot "
        "go home. The recruiter's number is +63 917 {a}{b} {c}",
    ),
]
CITIES = ["Jakarta", "Medan", "Surabaya", "Makassar", "Bandung"]


def generate(n: int, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """n tips as (category, lang, country, text); identifiers repeat sometimes, as in life."""
    rng = random.Random(seed)
    handles = [f"shop{rng.randrange(10**6)}_x" for _ in range(max(10, n // 5))]
    out = []
    for _ in range(n):
        category, lang, template = rng.choice(TEMPLATES)
        country = {"id": "ID", "vi": "VN", "en": rng.choice(["PH", "ID"])}[lang]
        text = template.format(
            city=rng.choice(CITIES),
            p=rng.randrange(2, 90),
            handle=rng.choice(handles),
            a=rng.randrange(10, 99),
            b=rng.randrange(1000, 9999),
            c=rng.randrange(1000, 9999),
        )
        out.append((category, lang, country, text))
    return out
