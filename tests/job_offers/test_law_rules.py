"""The law of each sending country in the checker: every rule with its own positive and
negative examples, the combinations that mean fraud, pay realism, and the four offers of
the issue that a careful reader judges differently from the old checker."""

from __future__ import annotations

import pytest

from portal.job_offers.checker import check
from portal.triage.job_offer import read_offer
from portal.triage.scoring import score


def flags(text: str, lang: str, country: str | None = None) -> set[str]:
    return {flag.id for flag in check(text, lang=lang, country=country).flags}


def combos(text: str, lang: str, country: str | None = None) -> list[str]:
    return read_offer(text, lang, country).combinations


# ------------------------------------------------------------------ the four offers of the issue

VN_JAPAN = (
    "Tuyển lao động xuất khẩu lao động Nhật Bản, không cần qua công ty, đóng trước 120 triệu "
    "trọn gói, bay sau 3 tháng. Liên hệ anh Tuấn 0912 345 678."
)
ID_JAPAN_FEE = (
    "Lowongan kerja ke Jepang visa kerja! Biaya administrasi Rp 15 juta transfer ke rekening BRI "
    "1234-01-000123-50-9 a/n Sutrisno. Keberangkatan dijamin dalam 2 minggu. Hubungi WA 0812 3456 7890."
)
ID_MALAYSIA_MAID = (
    "Dicari ART untuk kerja di Malaysia, gaji RM1.800. Tidak perlu pelatihan, tidak perlu lapor "
    "Disnaker, berangkat dari Nunukan lewat Tawau. Hubungi Bu Rina 0813 2222 3333."
)
ID_BANDUNG_COOK = (
    "Dibutuhkan juru masak untuk rumah makan di Bandung. Gaji Rp 3.500.000 per bulan, makan siang "
    "ditanggung. Lamar langsung ke Jl. Braga No. 10, Bandung."
)


@pytest.mark.parametrize(
    ("text", "lang", "country", "combination"),
    [
        (VN_JAPAN, "vi", "VN", "fee_unlicensed"),
        (ID_JAPAN_FEE, "id", "ID", "fee_guaranteed_departure"),
        (ID_MALAYSIA_MAID, "id", "ID", "irregular_departure_combination"),
    ],
)
def test_placement_fraud_is_high_without_any_scam_compound_sign(text, lang, country, combination):
    result = check(text, lang=lang, country=country)
    assert result.risk == "high"
    assert combination in [note.id for note in result.notes]
    assert "hotspot_destination" not in {flag.id for flag in result.flags}
    triage = score("job-offer", text, country=country, lang=lang)
    assert triage.value >= 70 and triage.priority == "high"
    assert combination in {reason.rule_id for reason in triage.reasons}


def test_an_ordinary_cook_paid_below_the_minimum_gets_a_note_not_a_flag():
    result = check(ID_BANDUNG_COOK, lang="id", country="ID")
    assert result.risk == "low" and result.flags == []
    assert result.pay is not None and result.pay.monthly == 3_500_000 and result.pay.currency == "idr"
    assert result.below_minimum is not None and result.below_minimum.place == "bandung"
    assert result.below_minimum.monthly == 4_737_678 and result.below_minimum.year == 2026
    assert score("job-offer", ID_BANDUNG_COOK, country="ID", lang="id").value == 0


# ------------------------------------------------------------------------------- single rules

RULES = [
    # (rule, lang, country, positive, negative that uses the same words innocently)
    ("outside_licensed_channels", "id", "ID",
     "Kerja ke Taiwan tanpa lewat PT, tidak perlu lapor Disnaker, langsung berangkat.",
     "Daftar lewat PT resmi berizin P3MI dan lapor ke Disnaker setempat sesuai prosedur."),
    ("outside_licensed_channels", "vi", "VN",
     "Đi Đài Loan không cần qua công ty, đi chui nhanh gọn.",
     "Công ty được cấp phép đưa người lao động đi Đài Loan, đăng ký tại công ty."),
    ("outside_licensed_channels", "tl", "PH",
     "Direct hire sa Riyadh, walang agency, no need DMW.",
     "Licensed by the DMW, apply at our office with your passport and OEC."),
    ("outside_licensed_channels", "ms", "MY",
     "Tak payah lalu agensi, saya sambung terus dengan majikan di Singapura.",
     "Agensi Pekerjaan Cahaya Sdn Bhd, lesen JTK, temuduga di pejabat kami."),
    ("outside_licensed_channels", "th", "TH",
     "ไม่ต้องแจ้งกรมการจัดหางาน ไปทำงานไต้หวันได้เลย",
     "แจ้งกรมการจัดหางานก่อนเดินทาง 15 วันตามกฎหมาย"),
    ("guaranteed_departure", "id", "ID",
     "Proses cepat, dijamin berangkat ke Korea dalam 2 minggu.",
     "Proses seleksi mengikuti jadwal BP2MI, tanggal berangkat ditentukan setelah visa terbit."),
    ("guaranteed_departure", "vi", "VN",
     "Bao đậu visa, xuất cảnh nhanh sau 10 ngày.",
     "Thời gian xuất cảnh dự kiến 6–8 tháng tùy kết quả phỏng vấn."),
    ("guaranteed_departure", "en", "PH",
     "Guaranteed deployment, fly within 7 days!",
     "Deployment depends on the employer's approval and the visa; we cannot promise a date."),
    ("brokerage_fee", "vi", "VN",
     "Phí môi giới 3.000 USD đóng cho chị Lan trước khi phỏng vấn.",
     "Công ty không thu phí môi giới, ưu tiên ứng viên có kinh nghiệm."),
    ("deposit_to_person", "vi", "VN",
     "Ký quỹ 50 triệu bằng tiền mặt cho anh Hùng để giữ chỗ.",
     "Tiền ký quỹ gửi vào tài khoản phong tỏa đứng tên người lao động tại ngân hàng."),
    ("irregular_departure", "id", "ID",
     "Kerja di Malaysia, berangkat dari Batam naik kapal ke Johor.",
     "Pabrik elektronik di Batam membutuhkan operator produksi, gaji UMK Batam."),
    ("tourist_visa_entry", "id", "ID",
     "Kerja di Riyadh berangkat pakai visa umroh, nanti kerja di hotel.",
     "Staff admin travel umroh: mengurus visa umroh dan tiket jamaah di kantor Jakarta."),
    ("my_agency_name", "ms", "MY",
     "Kerja kilang di Jepun melalui Cahaya Manpower Sdn Bhd, hubungi kami.",
     "Kerja kilang di Jepun melalui Agensi Pekerjaan Cahaya Manpower Sdn Bhd (lesen JTK)."),
    ("upfront_fee", "en", "PH",
     "Pay the reservation fee and a job deposit before we process your papers.",
     "Bedspace near the store: PHP 2,500 a month plus one month deposit to the landlady."),
]


@pytest.mark.parametrize(("rule", "lang", "country", "positive", "negative"), RULES,
                         ids=[f"{r[0]}-{r[1]}" for r in RULES])
def test_each_rule_finds_its_sign_and_not_the_innocent_use(rule, lang, country, positive, negative):
    assert rule in flags(positive, lang, country), positive
    assert rule not in flags(negative, lang, country), negative


COMBINATIONS = [
    ("fee_zero_cost_job", "id", "ID",
     "Dicari pembantu rumah tangga ke Hong Kong, biaya administrasi 8 juta dibayar sebelum berangkat.",
     "Dicari pembantu rumah tangga ke Hong Kong melalui P3MI resmi, tanpa biaya penempatan."),
    ("fee_household_worker", "en", "PH",
     "Domestic helper for Kuwait, placement fee PHP 20,000 before deployment.",
     "Domestic helper for Kuwait, ZERO placement fee and no salary deduction."),
    ("banned_domestic_placement", "id", "ID",
     "Lowongan ART untuk keluarga di Dubai, gaji 6 juta, berangkat bulan depan.",
     "Lowongan perawat rumah sakit di Dubai lewat P3MI resmi, visa kerja dan kontrak resmi."),
    ("government_impersonation", "th", "TH",
     "กรมการจัดหางาน รับสมัครไปทำงานเกาหลี ติดต่อทางไลน์ @doe.kr ค่าสมัคร 3,000 บาท",
     "กรมการจัดหางาน รับสมัครคนหางานไปทำงานเกาหลี สมัครด้วยตนเองที่สำนักงานจัดหางานจังหวัด"),
    ("visit_visa_work", "en", "MY",
     "Restaurant work in Tokyo, you enter as a tourist and we sort the papers there.",
     "Restaurant work in Tokyo under the Specified Skilled Worker visa, contract signed before you fly."),
    ("fee_unlicensed", "vi", "VN",
     "Đi Nhật không cần qua công ty, đóng trước 100 triệu.",
     "Công ty được cấp phép, phí dịch vụ thu sau khi ký hợp đồng, có hóa đơn."),
]


@pytest.mark.parametrize(("combination", "lang", "country", "positive", "negative"), COMBINATIONS,
                         ids=[c[0] for c in COMBINATIONS])
def test_each_combination_means_high_and_its_innocent_twin_does_not(combination, lang, country,
                                                                    positive, negative):
    assert combination in combos(positive, lang, country)
    assert check(positive, lang=lang, country=country).risk == "high"
    assert combination not in combos(negative, lang, country)


def test_a_law_of_one_country_is_not_applied_to_a_reader_of_another():
    # The Indonesian zero-cost rule is Indonesia's, the household no-fee rule the Philippines'.
    text = "Domestic helper for Hong Kong, processing fee 8,000 before departure."
    assert "fee_household_worker" in combos(text, "en", "PH")
    assert "fee_household_worker" not in combos(text, "en", "ID")


def test_a_warning_text_gets_no_combination():
    text = (
        "Waspada penipuan! Polisi mengimbau: modus lowongan ke Jepang tanpa lewat PT dengan biaya "
        "administrasi 15 juta, korban sudah banyak."
    )
    assert combos(text, "id", "ID") == []


@pytest.mark.parametrize(
    ("flag", "country", "cites"),
    [
        ("upfront_fee", "ID", "Law 18/2017"),
        ("upfront_fee", "VN", "Law 69/2020, Article 23"),
        ("outside_licensed_channels", "PH", "Labor Code, Article 18"),
        ("outside_licensed_channels", "MY", "Act 246"),
    ],
)
def test_flags_cite_the_law_of_the_readers_country(flag, country, cites):
    texts = {
        "upfront_fee": "Kerja di Taiwan, biaya administrasi 10 juta.",
        "outside_licensed_channels": "Work in Dubai, direct hire, no agency needed.",
    }
    found = {f.id: f for f in check(texts[flag], lang="en", country=country).flags}
    assert cites in found[flag].law
    assert found[flag].law not in found[flag].explanation


def test_no_law_is_cited_where_none_is_known():
    found = {f.id: f for f in check("Work in Dubai, direct hire, no agency needed.", "en", "KH").flags}
    assert found["outside_licensed_channels"].law == ""


# ----------------------------------------------------------------------------- pay realism

@pytest.mark.parametrize(
    ("text", "lang", "country", "too_high"),
    [
        # At home: no ordinary wage is too high, even well above the minimum.
        ("Admin kantor di Jakarta, gaji 9 juta per bulan.", "id", "ID", False),
        ("Kỹ sư phần mềm tại Hà Nội, lương 35 triệu/tháng.", "vi", "VN", False),
        ("Factory operator in Johor, salary RM2,800 a month.", "en", "MY", False),
        # At home, a bait role paid far above the minimum is the lure.
        ("Sideline chat agent, work from home, ₱2,000 kada araw.", "tl", "PH", True),
        # Abroad: compared with the destination, a scam hub's when one is named.
        ("Customer service in Sihanoukville, salary 1,500 USD per month.", "en", "PH", True),
        ("Factory work in Japan, salary 1,500 USD per month.", "en", "PH", False),
        ("Kerja pabrik di Korea, gaji 25 juta per bulan.", "id", "ID", False),
    ],
)
def test_pay_is_judged_where_the_job_is(text, lang, country, too_high):
    assert ("unrealistic_salary" in flags(text, lang, country)) is too_high


def test_pay_below_a_national_minimum_is_a_note_except_for_domestic_work_it_does_not_cover():
    shop = check("Pembantu kedai di Kuala Lumpur, gaji RM1,200 sebulan.", lang="ms", country="MY")
    assert shop.below_minimum is not None and shop.below_minimum.country == "MY"
    maid = check("Pembantu rumah di Kuala Lumpur, gaji RM1,200 sebulan.", lang="ms", country="MY")
    assert maid.below_minimum is None  # Malaysia's minimum wage does not cover domestic workers


def test_a_home_capital_is_no_hotspot_for_a_reader_who_lives_there_but_a_compound_is():
    hotel = "Front office at a hotel in Phnom Penh, salary $400 a month, NSSF."
    assert "hotspot_destination" not in flags(hotel, "en", "KH")
    assert "hotspot_destination" in flags(hotel, "en", "ID")
    assert "hotspot_destination" in flags("Customer service in Poipet, $900 a month.", "en", "KH")


@pytest.mark.parametrize(
    ("text", "country", "above"),
    [
        ("Warehouse job in Dubai, salary PHP 60,000 a month. Placement fee PHP 150,000.", "PH", True),
        ("Warehouse job in Dubai, salary PHP 60,000 a month. Placement fee PHP 45,000.", "PH", False),
        ("Đi Nhật lương 30 triệu/tháng, phí dịch vụ 120 triệu.", "VN", True),
        ("Đi Nhật lương 30 triệu/tháng, phí dịch vụ 60 triệu sau khi ký hợp đồng.", "VN", False),
        # No ceiling known for this reader's country: nothing said about the amount.
        ("Warehouse job in Dubai, salary PHP 60,000 a month. Placement fee PHP 150,000.", "TH", False),
    ],
)
def test_a_fee_above_the_legal_ceiling_of_the_readers_country_is_a_flag(text, country, above):
    lang = "vi" if "Nhật" in text else "en"
    found = {f.id: f for f in check(text, lang=lang, country=country).flags}
    assert ("fee_above_cap" in found) is above
    if above:
        assert found["fee_above_cap"].law


@pytest.mark.parametrize(
    ("text", "currency", "monthly"),
    [
        ("Magang Jepang, gaji 180.000–210.000 yen/bln", "jpy", 210_000),
        ("Đơn hàng Nhật, lương 200.000 yên/tháng", "jpy", 200_000),
        ("Warehouse in Poland, salary PLN 4,800 a month", "pln", 4_800),
        ("Factory in Taiwan, salary NT$ 28,000 per month", "twd", 28_000),
        ("Hotel in Croatia, salary €1,100 a month", "eur", 1_100),
    ],
)
def test_pay_in_the_destinations_currency_is_read(text, currency, monthly):
    pay = read_offer(text, None, "ID").pay
    assert pay is not None and (pay.currency, pay.monthly) == (currency, monthly)


def test_an_ordinary_japanese_wage_is_not_too_high_but_a_fee_above_the_ceiling_is_seen():
    assert "unrealistic_salary" not in flags("Pabrik di Jepang, gaji 200.000 yen per bulan.", "id", "ID")
    text = "Warehouse in Poland, salary PLN 4,800 a month. Placement fee: PHP 160,000."
    assert "fee_above_cap" in flags(text, "en", "PH")



def test_laws_about_work_abroad_are_not_cited_for_a_job_at_home():
    at_home = {f.id: f for f in check("Admin kantor di Jakarta, biaya administrasi Rp 500 ribu", "id", "ID").flags}
    assert at_home["upfront_fee"].law == ""
    abroad = {f.id: f for f in check("Kerja di Taiwan, biaya administrasi 10 juta", "id", "ID").flags}
    assert "Law 18/2017" in abroad["upfront_fee"].law
    # A fee ceiling for work abroad says nothing about a training fee for an office job at home.
    home = "Nhân viên văn phòng tại Hà Nội, lương 10 triệu/tháng, phí đào tạo 40 triệu"
    assert "fee_above_cap" not in flags(home, "vi", "VN")


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Nurses for the UK, salary £2,300 a month, NHS trust.", "PH"),
        ("Nurses for Germany, salary €2,800 a month, language course included.", "ID"),
        ("Care assistant in the UK, £12.71 an hour, 37.5 hours a week.", "MY"),
    ],
)
def test_ordinary_pay_in_western_countries_is_not_too_good_to_be_true(text, country):
    assert "unrealistic_salary" not in flags(text, "en", country)


def test_household_work_is_told_from_a_care_home_and_a_hotel():
    household = "Hiring housekeepers for Dubai. Placement fee PHP 20,000 before deployment."
    assert "fee_household_worker" in combos(household, "en", "PH")
    for other in (
        "Caregivers for a nursing home in Japan, training fee PHP 30,000",
        "Housekeeper in a hotel in Dubai, placement fee PHP 20,000",
    ):
        assert "fee_household_worker" not in combos(other, "en", "PH"), other


def test_an_hourly_rate_is_read_as_a_month_of_work():
    pay = read_offer("Kasir di Surabaya, Rp 25.000/jam", "id", "ID").pay
    assert pay is not None and (pay.period, pay.monthly) == ("hour", 25_000 * 8 * 26)


@pytest.mark.parametrize(
    ("text", "currency", "monthly"),
    [
        ("Salary PHP 18k-25k per month", "php", 25_000),
        ("gaji 5jt-7jt/bln", "idr", 7_000_000),
        ("lương 8tr - 12tr/tháng", "vnd", 12_000_000),
    ],
)
def test_a_range_whose_first_number_carries_its_magnitude_is_read_whole(text, currency, monthly):
    """'18k-25k' was read as 18,000, and a Manila offer paying up to ₱25,000 got a note that it
    is below the minimum wage."""
    pay = read_offer(text, None, None).pay
    assert pay is not None and (pay.currency, pay.monthly) == (currency, monthly)
