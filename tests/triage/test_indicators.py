"""portal.triage.indicators.extract on tips shaped like real reports, traps and odd input.

Every table row asserts the exact set of (kind, value) pairs, so a missed indicator and an
extra one both fail. Texts are in Indonesian, English, Vietnamese, Malay, Tagalog and Thai.
"""

from __future__ import annotations

import logging
import random
import time

import pytest

from portal.triage.indicators import MAX_CHARS, Indicator, extract
from tests.helpers import blns_raw

ID_MOBILE = "+6281234567890"


def pairs(text: str, country: str | None = None) -> set[tuple[str, str]]:
    """The (kind, value) pairs extract() finds."""
    return {(found.kind, found.value) for found in extract(text, country)}


def wa(e164: str) -> set[tuple[str, str]]:
    """A number given as WhatsApp yields both kinds."""
    return {("phone", e164), ("whatsapp", e164)}


# --- Phone numbers and WhatsApp ---------------------------------------------------------------

PHONES = [
    # Indonesian
    ("Ready sabu, order via WA 0812-3456-7890", "ID", wa(ID_MOBILE)),
    ("Order via WA 0812-3456-7890 or hxxps://example-shop[.]com", "ID",
     wa(ID_MOBILE) | {("url", "https://example-shop.com"), ("domain", "example-shop.com")}),
    ("Jual obat penggugur, hub 0812 3456 7890 (fast respon)", "ID", {("phone", ID_MOBILE)}),
    ("Minat? WhatsApp: 0812 3456 7890 / 0813 1111 2222", "ID",
     wa(ID_MOBILE) | wa("+6281311112222")),
    ("wasap 0812-3456-7890 aja kak", "ID", wa(ID_MOBILE)),
    ("Nomor admin 0812 3456 7890 0813 1111 2222", "ID",
     {("phone", ID_MOBILE), ("phone", "+6281311112222")}),
    ("no wa 081234567890, tanpa DP", "ID", wa(ID_MOBILE)),
    ("Pesan lewat WA0812-3456-7890", "ID", wa(ID_MOBILE)),
    ("Kontak: +62 812 3456 7890 (WA only)", None, wa(ID_MOBILE)),
    ("WA: +62 812-3456-7890", None, wa(ID_MOBILE)),
    ("Hubungi 0062 812 3456 7890 dari luar negeri", None, {("phone", ID_MOBILE)}),
    ("Telp kantor (021) 555-1234, HP 0812-3456-7890", "ID",
     {("phone", "+62215551234"), ("phone", ID_MOBILE)}),
    ("Gaji 8.000.000 per bulan, hub 0812-3456-7890", "ID", {("phone", ID_MOBILE)}),
    ("Rekening BCA 1234567890 a.n. Budi, konfirmasi WA 0812-3456-7890", "ID",
     wa(ID_MOBILE) | {("bank_account", "BCA:1234567890")}),
    ("NIK: 3174051203920001, HP: 081234567890", "ID", {("phone", ID_MOBILE)}),
    ("Kirim CV dan KTP ke 0812-3456-7890", "ID", {("phone", ID_MOBILE)}),
    ("Berangkat 12/08/2025, info 0812-3456-7890", "ID", {("phone", ID_MOBILE)}),
    ("Kerja di Kamboja. Gaji besar.Hubungi 0812-3456-7890", "ID", {("phone", ID_MOBILE)}),
    ("🔥🔥 WA 0812-3456-7890 🔥🔥", "ID", wa(ID_MOBILE)),
    # Vietnamese
    ("Tuyển gấp CSKH tại Campuchia, lương 30 triệu, liên hệ Zalo 0901234567", "VN",
     {("phone", "+84901234567")}),
    ("Liên hệ +84 90 123 45 67 hoặc 090 123 4567", "VN", {("phone", "+84901234567")}),
    ("SĐT: 0901 234 567, nhắn tin trước khi gọi", "VN", {("phone", "+84901234567")}),
    ("CCCD 079203004567, SĐT 0912345678", "VN", {("phone", "+84912345678")}),
    ("Mua bán hàng, liên hệ Telegram @banhang_vn hoặc Zalo 0987 654 321", "VN",
     {("telegram", "banhang_vn"), ("phone", "+84987654321")}),
    # Tagalog / Philippine English
    ("Apply now! Call (+63) 917 123 4567", None, {("phone", "+639171234567")}),
    ("Mag-apply na! Text o tawag sa 0917-123-4567. Sahod ₱35,000", "PH",
     {("phone", "+639171234567")}),
    ("Padala sa GCash 0917 123 4567 tapos PM", "PH",
     {("phone", "+639171234567"), ("ewallet", "GCASH:+639171234567")}),
    # Malay
    ("Hubungi 012-345 6789 untuk kerja di Kemboja", "MY", {("phone", "+60123456789")}),
    ("Gaji RM3,500 sebulan. Hubungi 012-345 6789 (WhatsApp)", "MY", wa("+60123456789")),
    # Thai and Cambodian numbers
    ("Call 081-234-5678 for job in Myawaddy", "TH", {("phone", "+66812345678")}),
    ("ติดต่อ081-234-5678 ค่ะ", "TH", {("phone", "+66812345678")}),
    ("Cambodia job, whatsapp +855 12 345 678", None, wa("+85512345678")),
    # A foreign number is still found with another default region
    ("Boss in Phnom Penh: +855 12 345 678", "ID", {("phone", "+85512345678")}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "country", "expected"), PHONES)
def test_phone_numbers(text: str, country: str | None, expected: set[tuple[str, str]]) -> None:
    assert pairs(text, country) == expected


# --- URLs, domains, e-mail ------------------------------------------------------------------

WEB = [
    ("Daftar di judionline88.com dan shop-x.co.id sekarang", None,
     {("domain", "judionline88.com"), ("domain", "shop-x.co.id")}),
    ("Slot gacor www.judi88.com", None,
     {("url", "http://www.judi88.com"), ("domain", "judi88.com")}),
    ("MAIN DI JUDI88.COM", None, {("domain", "judi88.com")}),
    ("Promo di judi88.com/daftar?ref=ab12.", None,
     {("url", "http://judi88.com/daftar?ref=ab12"), ("domain", "judi88.com")}),
    ("daftar judi88.com.Bonus 100%", None, {("domain", "judi88.com")}),
    ("cek bit.ly/abc123 atau s.id/promo", None,
     {("url", "http://bit.ly/abc123"), ("domain", "bit.ly"),
      ("url", "http://s.id/promo"), ("domain", "s.id")}),
    ("Login at https://secure.login.bank-verify.co.uk/session?id=9", None,
     {("url", "https://secure.login.bank-verify.co.uk/session?id=9"),
      ("domain", "bank-verify.co.uk")}),
    ("(see https://example.com/a_(b))", None,
     {("url", "https://example.com/a_(b)"), ("domain", "example.com")}),
    ("HTTPS://Example.COM/Path", None,
     {("url", "https://Example.COM/Path"), ("domain", "example.com")}),
    ("hxxp[:]//evil[.]site/login.php?id=1", None,
     {("url", "http://evil.site/login.php?id=1"), ("domain", "evil.site")}),
    ("hxxps[://]phish[.]example[.]org", None,
     {("url", "https://phish.example.org"), ("domain", "example.org")}),
    ("example(dot)com, example [dot] net, example (.) org, example dot info", None,
     {("domain", "example.com"), ("domain", "example.net"),
      ("domain", "example.org"), ("domain", "example.info")}),
    ("tokoobat dot co dot id", None, {("domain", "tokoobat.co.id")}),
    ("Mirror: evil[.]zip", None, {("domain", "evil.zip")}),
    ("Visit https://bücher.de/shop or bücher.de", None,
     {("url", "https://bücher.de/shop"), ("domain", "xn--bcher-kva.de")}),
    ("http://192.168.1.1/admin", None, {("url", "http://192.168.1.1/admin")}),
    ("Kirim lamaran ke HR@Kerja-Kamboja.COM", None,
     {("email", "hr@kerja-kamboja.com"), ("domain", "kerja-kamboja.com")}),
    ("email admin@shop-x.co.id atau budi.santoso@gmail.com", None,
     {("email", "admin@shop-x.co.id"), ("domain", "shop-x.co.id"),
      ("email", "budi.santoso@gmail.com")}),
    ("Gửi CV về tuyendung@yahoo.com.vn", "VN", {("email", "tuyendung@yahoo.com.vn")}),
    ("contact: recruit(at)jobs-asia[.]net", None,
     {("email", "recruit@jobs-asia.net"), ("domain", "jobs-asia.net")}),
    ("Proton: anon_seller@proton.me", None, {("email", "anon_seller@proton.me")}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "country", "expected"), WEB)
def test_urls_domains_emails(
    text: str, country: str | None, expected: set[tuple[str, str]]
) -> None:
    assert pairs(text, country) == expected


# --- Platform handles and links ------------------------------------------------------------------

TME = {("domain", "t.me")}

HANDLES = [
    ("Hiring CSR, DM @recruit_ph on telegram, salary ₱50,000", "PH",
     {("telegram", "recruit_ph")}),
    ("Kerja di Myawaddy, gaji 800 USD. Contact tele: @hr_kmm", None, {("telegram", "hr_kmm")}),
    ("Order sabu langsung ke @dealer_jkt88", None, {("telegram", "dealer_jkt88")}),
    ("Tele: shop_abc", None, {("telegram", "shop_abc")}),
    ("Join t.me/loker_kamboja sekarang", None,
     {("url", "http://t.me/loker_kamboja"), ("telegram", "loker_kamboja")} | TME),
    ("Channel: https://t.me/s/Berita_Kita", None,
     {("url", "https://t.me/s/Berita_Kita"), ("telegram", "berita_kita")} | TME),
    ("Grup: t.me/+AbCdEf12 dan t.me/joinchat/AAAAAEx", None,
     {("url", "http://t.me/+AbCdEf12"), ("url", "http://t.me/joinchat/AAAAAEx")} | TME),
    ("telegram.me/Shop_ABC", None,
     {("url", "http://telegram.me/Shop_ABC"), ("domain", "telegram.me"),
      ("telegram", "shop_abc")}),
    ("Jual ganja kirim COD, IG: kebun.hijau88", "ID", {("instagram", "kebun.hijau88")}),
    ("Follow IG kami: kebun.hijau88 ya", None, {("instagram", "kebun.hijau88")}),
    ("cek ig @Kebun.Hijau88", None, {("instagram", "kebun.hijau88")}),
    ("IG: toko.online", None, {("instagram", "toko.online")}),
    ("https://www.instagram.com/kebun.hijau88/?hl=id", None,
     {("url", "https://www.instagram.com/kebun.hijau88/?hl=id"),
      ("domain", "instagram.com"), ("instagram", "kebun.hijau88")}),
    ("https://www.instagram.com/p/Cxyz123/", None,
     {("url", "https://www.instagram.com/p/Cxyz123/"), ("domain", "instagram.com")}),
    ("Beli di tiktok @shop_tt ya", None, {("tiktok", "shop_tt")}),
    ("TikTok: @Toko.Obat", None, {("tiktok", "toko.obat")}),
    ("tiktok.com/@toko.obat/video/7312345678901234567", None,
     {("url", "http://tiktok.com/@toko.obat/video/7312345678901234567"),
      ("domain", "tiktok.com"), ("tiktok", "toko.obat")}),
    ("https://vt.tiktok.com/ZSabc123/", None,
     {("url", "https://vt.tiktok.com/ZSabc123/"), ("domain", "tiktok.com")}),
    ("m.facebook.com/profile.php?id=100012345678", None,
     {("url", "http://m.facebook.com/profile.php?id=100012345678"),
      ("domain", "facebook.com"), ("facebook", "100012345678")}),
    ("Page: facebook.com/Jual.Obat.Murah", None,
     {("url", "http://facebook.com/Jual.Obat.Murah"), ("domain", "facebook.com"),
      ("facebook", "jual.obat.murah")}),
    ("fb.com/groups/123456789", None,
     {("url", "http://fb.com/groups/123456789"), ("domain", "fb.com")}),
    ("line.me/ti/p/~jualobat88", None,
     {("url", "http://line.me/ti/p/~jualobat88"), ("domain", "line.me"),
      ("line", "jualobat88")}),
    ("ID LINE: Shop_ABC", None, {("line", "shop_abc")}),
    ("ติดต่อ LINE ID: thaijob88 โทร 081-234-5678", "TH",
     {("line", "thaijob88"), ("phone", "+66812345678")}),
    ("wa.me/6281234567890", None,
     {("url", "http://wa.me/6281234567890"), ("domain", "wa.me")} | wa(ID_MOBILE)),
    ("https://api.whatsapp.com/send?phone=6281234567890&text=halo", None,
     {("url", "https://api.whatsapp.com/send?phone=6281234567890&text=halo"),
      ("domain", "whatsapp.com")} | wa(ID_MOBILE)),
    ("https://chat.whatsapp.com/AbCdEfGh123", None,
     {("url", "https://chat.whatsapp.com/AbCdEfGh123"), ("domain", "whatsapp.com")}),
    ("whatsapp +855 12 345 678 or telegram @khmer_jobs", None,
     wa("+85512345678") | {("telegram", "khmer_jobs")}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "country", "expected"), HANDLES)
def test_platform_handles(text: str, country: str | None, expected: set[tuple[str, str]]) -> None:
    assert pairs(text, country) == expected


# --- Traps: nothing at all may come out of these ------------------------------------------------

TRAPS = [
    ("Tanggal 12/08/2025, 2025-08-12 atau 12.08.2025", "ID"),
    ("Jam kerja 08.00-17.00 WIB, libur 2024-2025", "ID"),
    ("Harga Rp 15.000.000 nego, Rp15jt saja", "ID"),
    ("Gaji 15.000.000 - 20.000.000 per bulan", "ID"),
    ("Rp 1.500.000,00 sudah ditransfer", "ID"),
    ("lương 15 triệu, thưởng 12.500.000đ, tổng 30.000.000 VND", "VN"),
    ("Salary USD 1,500 or RM 3,000 or ₱25,000 monthly", "PH"),
    ("NIK 3174051203920001", "ID"),
    ("NIK 3174 0512 0392 0001", "ID"),
    ("CCCD 001203004567", "VN"),
    ("CCCD 001203004567", None),
    ("Transfer ke rek 081234567890 a.n. Budi", "ID"),
    ("Đã chuyển 5.000.000 đ vào STK 0123456789", "VN"),
    ("Beli 500 gram, kode pos 12940, tahun 2025", "ID"),
    ("Kode OTP 123456, nomor resi 123456789012", "ID"),
    ("Order ID 20250812123456", "ID"),
    ("No. Invoice INV/2025/08/12/0001", "ID"),
    ("Photo photo.jpg, version v1.2.3, ratio 3.5", None),
    ("e.g. at 9 a.m. or 5 p.m., i.e. later", None),
    ("Version 1.2.3.4 and IP 192.168.100.100", "ID"),
    ("selesai.Now kirim", None),
    ("Alamat di TP.HN gần PT.ABC", "VN"),
    ("See readme.md and video.mov", None),
    ("WA 0812-3456-7890", None),  # no country: a national number stays out
    ("Call 0901234567", None),
    ("901234567", "VN"),  # no trunk prefix
    ("Tukar 1 USD = 16.250 rupiah", "ID"),
    ("Sweldo ₱25,000 kada buwan", "PH"),
    ("Contact @scam.shop for details", None),  # dotted, no platform named
    ("IG kami kebun", None),
    ("telegram admin", None),
    ("budi@gmail", None),
    ("meet (at) 5pm, a dot on the map", None),
]


@pytest.mark.parametrize(("text", "country"), TRAPS)
def test_traps_give_nothing(text: str, country: str | None) -> None:
    assert extract(text, country) == []


# An account number after its bank's name is a bank account, never a phone number too.
BANK_NOT_PHONE = [
    ("No rekening BCA: 0812345678", "ID", "BCA:0812345678"),
    ("Số tài khoản 0901234567 Vietcombank", "VN", "VIETCOMBANK:0901234567"),
    ("Account no. 09171234567 BDO", "PH", "BDO:09171234567"),
]


@pytest.mark.parametrize(("text", "country", "account"), BANK_NOT_PHONE)
def test_an_account_number_is_never_also_a_phone(text: str, country: str, account: str) -> None:
    assert pairs(text, country) == {("bank_account", account)}


# --- The result type and its order ----------------------------------------------------------------


def test_contract_example_order_and_spans() -> None:
    text = "Order via WA 0812-3456-7890 or hxxps://example-shop[.]com"
    found = extract(text, country="ID")
    assert [(i.kind, i.value) for i in found] == [
        ("phone", ID_MOBILE),
        ("whatsapp", ID_MOBILE),
        ("url", "https://example-shop.com"),
        ("domain", "example-shop.com"),
    ]
    assert found[0].span is not None and text[slice(*found[0].span)] == "0812-3456-7890"
    assert found[2].span is not None
    assert text[slice(*found[2].span)] == "hxxps://example-shop[.]com"


def test_span_of_a_number_dialled_with_00() -> None:
    text = "Hubungi 0062 812 3456 7890 sekarang"
    (found,) = extract(text)
    assert found.span is not None and text[slice(*found.span)] == "0062 812 3456 7890"


def test_duplicates_keep_first_appearance() -> None:
    text = "@shop_abc lalu example.com, lagi @Shop_ABC dan EXAMPLE.com"
    found = extract(text)
    assert [(i.kind, i.value) for i in found] == [
        ("telegram", "shop_abc"),
        ("domain", "example.com"),
    ]
    assert found[0].span == (0, 9)


def test_indicator_equality_ignores_span_and_matches_tuples() -> None:
    a = Indicator("phone", ID_MOBILE, (0, 5))
    b = Indicator("phone", ID_MOBILE, (9, 20))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a == ("phone", ID_MOBILE) and ("phone", ID_MOBILE) in [a]
    assert tuple(a) == ("phone", ID_MOBILE)
    assert a != Indicator("whatsapp", ID_MOBILE)
    assert sorted([Indicator("url", "b"), Indicator("domain", "z"), Indicator("url", "a")]) == [
        Indicator("domain", "z"),
        Indicator("url", "a"),
        Indicator("url", "b"),
    ]
    with pytest.raises(AttributeError):
        a.value = "x"  # type: ignore[misc]


def test_span_points_into_text_with_decomposed_accents() -> None:
    # Vietnamese typed with combining marks (NFD) before the number.
    text = "Liên hệ Zalo 0901234567".replace("ê", "e\u0302").replace("ệ", "e\u0323\u0302")
    (found,) = extract(text, "VN")
    assert found == ("phone", "+84901234567")
    assert found.span is not None and text[slice(*found.span)] == "0901234567"


@pytest.mark.parametrize("country", ["id", " ID ", "ID"])
def test_country_is_case_insensitive(country: str) -> None:
    assert pairs("hub 0812-3456-7890", country) == {("phone", ID_MOBILE)}


@pytest.mark.parametrize("country", [None, "", "XX", "Indonesia", 62])
def test_unknown_country_means_international_only(country: object) -> None:
    text = "hub 0812-3456-7890 atau +84 90 123 45 67"
    assert pairs(text, country) == {("phone", "+84901234567")}  # type: ignore[arg-type]


# --- Robustness and speed ------------------------------------------------------------------------


@pytest.mark.parametrize("country", [None, "ID", "VN"])
def test_big_list_of_naughty_strings(country: str | None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="portal.triage.indicators")
    for line in blns_raw():
        result = extract(line, country)
        assert isinstance(result, list)
        assert all(isinstance(found, Indicator) and found.value for found in result)
    assert not caplog.records


def test_random_noise_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="portal.triage.indicators")
    rng = random.Random(20250812)
    alphabet = "0123456789 +-().,/:@[]{}~_%#?=&hxtpsw.comidWAtgIG\u00a0\u0302ệ₫Rp\n\t🔥ไทย"
    for _ in range(1500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 160)))
        extract(text, rng.choice([None, "ID", "VN", "PH", "MY", "TH"]))
    assert not caplog.records


def test_non_text_input_gives_nothing() -> None:
    assert extract("") == []
    assert extract(None) == []  # type: ignore[arg-type]
    assert extract(b"0812-3456-7890", "ID") == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["1" * 50_000, "a." * 30_000, "@" * 30_000, "0812 " * 10_000, "[.]" * 20_000, "(+" * 20_000],
)
def test_long_pathological_input_is_bounded(text: str) -> None:
    started = time.perf_counter()
    extract(text, "ID")
    assert time.perf_counter() - started < 5


def test_text_beyond_the_limit_is_ignored() -> None:
    text = "x " * (MAX_CHARS // 2) + "judi88.com"
    assert extract(text) == []
    assert pairs(text[-40:]) == {("domain", "judi88.com")}


def test_typical_tip_is_fast() -> None:
    tip = (
        "Lowongan kerja di Kamboja gaji 15jt/bulan, mess ditanggung. Minat hub WA 0812-3456-7890 "
        "atau telegram @loker_kamboja. Info di hxxps://kerja-kamboja[.]com/daftar. Berangkat tgl "
        "12/08/2025, biaya Rp 1.500.000 dipotong gaji. Admin IG: loker.kamboja88, email "
        "hrd@kerja-kamboja.com. Jangan percaya calo, hanya lewat nomor resmi kami."
    )
    extract(tip, "ID")  # loads the suffix list and phone metadata
    runs = 50
    started = time.perf_counter()
    for _ in range(runs):
        extract(tip, "ID")
    # Typically ~0.3 ms; the bound is loose so a busy CI machine does not fail it.
    assert (time.perf_counter() - started) / runs < 0.01
