"""The job-offer checker (portal.job_offers.checker): risk levels on real-looking ads,
the DESIGN.md contract, explanations in the reader's language, and the next steps."""

from __future__ import annotations

import logging
import re
import types
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import get_domain

from portal.job_offers import checker, explanations, next_steps
from portal.job_offers.checker import RISKS, check, find_matching_warnings
from portal.triage.indicators import Indicator
from tests.helpers import blns_lines, shared_file

REFERENCE = "reference/job_offer_red_flags.md"
CONTRACT_EXAMPLE = "Urgent! Customer service in Sihanoukville, tourist visa, salary 2000 USD"

# Clear scams, written the way they circulate on Facebook, TikTok, Zalo and Telegram
# (phrasings from the reference §1b examples and the official warnings it cites).
# fmt: off
SCAMS = [
    ("id", "DIBUTUHKAN SEGERA! Admin CS penempatan Kamboja (Sihanoukville). Gaji 15 jt/bln + bonus. Tanpa pengalaman, usia 18-30. Tiket, visa, mess ditanggung perusahaan. Berangkat pakai visa kunjungan dulu, nanti di sana diurus. Minat WA 0812-3456-7890"),
    ("id", "Lowongan operator slot online di Myawaddy, gaji dolar 1000 USD/bulan. Syarat bisa mengetik cepat. Paspor nanti dipegang bos biar aman. Hubungi telegram @rekrut_cepat"),
    ("id", "Loker admin judi online Kamboja, gaji 12 juta per bulan, kontrak tanda tangan di sana saja. Berangkat minggu depan, kuota terbatas!!"),
    ("id", "Kerja di Thailand sebagai CS, gaji 20 jt sebulan. Ke Bangkok dulu, nanti dijemput tim ke Mae Sot. Kalau ditanya imigrasi bilang saja liburan."),
    ("id", "Butuh cepat 10 orang marketing online di Poipet. Biaya admin 2 juta transfer ke rekening pribadi saya. Tanpa ijazah, lulusan SMP bisa."),
    ("id", "Lowongan kerja Malaysia tanpa paspor, lewat jalur tikus, gaji besar, langsung sama bos tanpa agen."),
    ("id", "Lowongan ke Myanmar lewat Thailand dulu, gaji 25 juta per bulan, tanpa tes, langsung berangkat. Semua biaya ditanggung, paspor diserahkan ke perusahaan."),
    ("en", "Urgent! Customer service in Sihanoukville, tourist visa, salary 2000 USD"),
    ("en", "HIRING NOW: chat agents for a crypto investment platform in Myanmar. Salary $1,500/month + commission. Fast typing 40 wpm and good English. Free flights and accommodation. Visa on arrival, we convert it to a work visa later. Apply via Telegram t.me/hr_jobs_asia"),
    ("en", "Easy work, high pay! Data entry in the Golden Triangle SEZ, Laos, earn $100 a day. No experience needed. Pay the processing fee of $200 first to reserve your slot. DM me for details."),
    ("en", "Looking for good-looking ladies aged 18-25 to work as casino receptionists in Bavet, Cambodia. No contract, just come. We pick you up at the border."),
    ("en", "Game tester job abroad, 3000 USD monthly. Passports will be kept by the company. Speedboat transfer from Sabah, no work visa needed."),
    ("en", "We are hiring Indonesian-speaking customer support for an online casino in Phnom Penh. $1200/month, free visa and housing. No work permit needed. Contact us on WhatsApp +855 12 345 678."),
    ("vi", "Tuyển gấp 20 bạn nữ ngoại hình ưa nhìn, làm chăm sóc khách hàng tại Campuchia, lương 30 triệu/tháng, việc nhẹ lương cao. Bao vé máy bay, ăn ở. Đi theo dạng du lịch, không cần visa lao động. Liên hệ Zalo 0901234567"),
    ("vi", "Cần người nhập liệu ở Bavet, không cần kinh nghiệm, biết đánh máy. Có người đón tại cửa khẩu Mộc Bài, không cần thủ tục. Phí hồ sơ 3 triệu chuyển khoản trước."),
    ("vi", "Việc nhẹ lương cao tại Myanmar, thu nhập vài chục triệu, nộp hộ chiếu cho công ty, ký hợp đồng khi sang. Ib tele @tuyendungcp"),
    ("vi", "Tuyển sale online đi Lào, lương khủng 2000 đô một tháng, khi qua cửa khẩu thì khai là đi du lịch."),
    ("vi", "Viec nhe luong cao o Campuchia, bao an o, di theo dang du lich, lien he zalo 0912 345 678"),
    ("ms", "Kekosongan segera! Kerja customer service di Kemboja, gaji lumayan RM8000 sebulan, tiada pengalaman diperlukan. Tiket percuma. Guna visa pelancong dulu. WhatsApp saya 012-3456789"),
    ("ms", "Jawatan admin kasino di Myawaddy, gaji tinggi, tiada kontrak, pasport akan dipegang oleh majikan. Bayar deposit RM500 dulu."),
    ("ms", "Peluang kerja di Laos kawasan Golden Triangle, gaji besar USD 1500, tanpa pengalaman, naik bot laju dari Thailand, tiket percuma."),
    ("tl", "Hiring CSR sa Cambodia! Mataas na sahod, 1000 USD monthly, walang experience needed. Pwede tourist muna, iko-convert pagdating. PM lang po."),
    ("tl", "Urgent hiring chat support sa Myanmar, libre pamasahe at tirahan. Sabihin mo na tourist ka sa immigration. Placement fee via GCash 5,000."),
    ("tl", "Kailangan agad ng typist sa POGO sa Pampanga, marunong mag-type, walang kontrata, isuko ang passport sa employer."),
    ("tl", "Trabaho sa Dubai then transferred to Thailand, tourist visa lang, backdoor via Sabah, malaking sahod."),
    ("en", "Work from home data entry, earn $50 a day, registration fee $30 via GCash."),
    ("id", "Dicari admin online kerja di luar negeri, gaji 9 juta/bulan, tanpa pengalaman. Biaya pendaftaran 500 ribu. Hubungi WA."),
    ("vi", "Cần gấp 5 người đi Campuchia làm việc văn phòng, lương 1500 đô, nhắn Zalo."),
    ("tl", "Data encoder sa Cambodia, 800 USD, libre pamasahe, message lang sa page."),
]

# Ordinary ads: local jobs, and overseas jobs through the official channels (§2).
# Some carry weak signs (urgent, WhatsApp, "no experience") as honest ads often do;
# the school in Phnom Penh names a known hotspot city and is expected to come out medium.
LEGITIMATE = [
    ("id", "PT Sinar Makmur Indonesia membuka lowongan operator produksi di Kawasan Industri Jababeka, Cikarang. Syarat: pria/wanita, pendidikan min. SMA/SMK, usia maks. 30 tahun. Gaji sesuai UMK, BPJS Kesehatan dan Ketenagakerjaan. Lamaran dikirim ke rekrutmen@sinarmakmur.co.id"),
    ("id", "Program penempatan PMI ke Jepang skema SSW bidang caregiver. Dilaksanakan oleh P3MI resmi pemegang SIP3MI, lowongan terdaftar di SISKOP2MI. Wajib lulus tes bahasa Jepang JFT atau JLPT N4. Ada orientasi pra pemberangkatan dan perjanjian kerja ditandatangani sebelum berangkat."),
    ("id", "Dibutuhkan admin gudang untuk cabang Surabaya. Kualifikasi: D3/S1, menguasai Microsoft Excel, pengalaman minimal 1 tahun. Kirim CV ke hrd@tokomaju.co.id paling lambat 30 November."),
    ("id", "Lowongan barista di kafe kami di Yogyakarta. Tanpa pengalaman boleh, akan dilatih. Gaji Rp 2.500.000 per bulan + service charge. Datang langsung ke alamat kantor Jl. Kaliurang km 5 dengan membawa CV."),
    ("id", "Pendaftaran program G to G ke Korea Selatan (EPS-TOPIK) dibuka. Daftar melalui akun SIAPkerja dan Disnaker setempat. Tidak dipungut biaya pendaftaran. Peserta wajib lulus ujian bahasa Korea."),
    ("id", "Dicari customer service untuk toko online kami di Jakarta Barat. Kerja di kantor, Senin sampai Jumat, gaji UMR + BPJS. Kirim lamaran lewat email ke karir@belanjaku.id"),
    ("id", "Lowongan guru SD swasta di Bandung. Syarat S1 PGSD, memiliki sertifikat pendidik lebih disukai. Gaji Rp 3.500.000 per bulan. Lamaran diantar ke sekolah."),
    ("en", "Acme Logistics Sdn Bhd is hiring a Warehouse Supervisor in Shah Alam. Minimum 3 years of experience and a diploma in logistics. Apply through the careers page on our website."),
    ("en", "Registered nurses needed for a government hospital in Saudi Arabia. DMW License No. 123-LB-031524-R. Employment contract signed before departure, working visa processed by the agency. Attend the PDOS before deployment."),
    ("en", "Call centre agents wanted in Makati. Fresh graduates welcome, good English communication skills. Day shift, HMO from day one, salary PHP 22,000 a month. Walk-in interviews at our head office."),
    ("en", "Part-time online English tutor for children, 10 hours a week. TEFL certificate required. Pay USD 8 per hour. Apply on our website with your CV."),
    ("en", "Seasonal fruit pickers for New Zealand under the RSE scheme. Work visa arranged by the employer, signed employment contract, return flights shared as the scheme sets out."),
    ("en", "Junior accountant, Jakarta. PT Bank Contoh Tbk. Requirements: bachelor's degree in accounting, good English, 0 to 2 years of experience. Competitive salary and BPJS."),
    ("vi", "Công ty TNHH May Việt Tiến tuyển 50 công nhân may tại Khu công nghiệp Tân Bình. Lương từ 7 triệu/tháng, có bảo hiểm xã hội, ký hợp đồng lao động ngay khi nhận việc. Liên hệ phòng nhân sự, địa chỉ: 12 Lê Văn Sỹ."),
    ("vi", "Tuyển nhân viên chăm sóc khách hàng làm việc tại văn phòng Quận 1, TP.HCM. Yêu cầu tốt nghiệp cao đẳng, có kinh nghiệm 1 năm. Lương 9 đến 12 triệu."),
    ("vi", "Chương trình đưa người lao động đi làm việc tại Hàn Quốc theo chương trình EPS do Trung tâm Lao động ngoài nước thực hiện. Người lao động phải thi tiếng Hàn, ký hợp đồng lao động và được cấp visa lao động."),
    ("vi", "Doanh nghiệp được cấp phép (giấy phép số 123/LĐTBXH-GP) tuyển thực tập sinh kỹ năng đi Nhật Bản ngành cơ khí. Học tiếng Nhật 6 tháng, bồi dưỡng kiến thức trước khi xuất cảnh."),
    ("vi", "Quán cơm tuyển phụ bếp ở Đà Nẵng, làm ca sáng, bao cơm trưa. Lương 6 triệu một tháng. Liên hệ trực tiếp tại quán."),
    ("ms", "Kekosongan jawatan: Pembantu Tadbir di pejabat kami di Johor Bahru. Kelayakan SPM, boleh berbahasa Inggeris. Gaji RM1,800 sebulan + KWSP + PERKESO. Hantar resume ke hr@syarikatmaju.com.my"),
    ("ms", "Agensi berlesen (Lesen JTK No. 1234) mencari pekerja kilang untuk syarikat elektronik di Pulau Pinang. Permit kerja diuruskan, kontrak pekerjaan ditandatangani sebelum mula bekerja."),
    ("ms", "Jawatan kosong juruwang di pasar raya Shah Alam. Lepasan SPM digalakkan memohon. Gaji asas RM1,700, elaun kehadiran. Temuduga terbuka setiap Isnin."),
    ("tl", "Hiring: service crew para sa aming restaurant sa Quezon City. Walang experience? Ok lang, may training. Sahod ayon sa minimum wage, may SSS, PhilHealth at Pag-IBIG."),
    ("tl", "Licensed by the DMW (License No. DMW-056-LB-2023). Hiring factory workers sa Taiwan, may employment contract bago umalis, working visa at PDOS."),
    ("tl", "Naghahanap kami ng cashier at bagger para sa supermarket sa Cebu. High school graduate, 18 pataas. Pumunta sa aming HR office dala ang resume."),
    ("en", "URGENT HIRING! Customer service representatives for a BPO in Cebu. Typing test and English assessment on the day. Message us on WhatsApp 0917 123 4567 or walk in."),
    ("id", "Lowongan kerja ke Jepang, gaji 25 juta per bulan, lewat LPK resmi, visa kerja SSW, kontrak kerja tertulis."),
    ("en", "English teacher wanted at an international school in Phnom Penh. Bachelor degree and TEFL required, 2 years experience. Salary USD 1,800/month, work permit and contract provided."),
    ("vi", "Tuyển gấp nhân viên bán hàng, không cần kinh nghiệm, được đào tạo. Lương 8 triệu + thưởng. Liên hệ Zalo 0903 111 222."),
    ("tl", "Hiring agad! Chat support (work from home), marunong mag-type, PM lang po for details."),
    ("en", "Hotel housekeeping staff for a resort in Dubai. Free accommodation and meals, 2-year employment contract, working visa provided. DMW licensed agency."),
    ("id", "Dicari tenaga kerja untuk kapal pesiar, gaji USD 1500/bulan, wajib sertifikat BST dan paspor, proses lewat P3MI resmi."),
]
# fmt: on


def reference_flag_ids() -> set[str]:
    text = shared_file(REFERENCE).read_text(encoding="utf-8")
    start = text.index("### 1a.")
    body = text[start : text.index("\n### ", start + 1)]
    return set(re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE))


def short(text: str) -> str:
    return text[:40]


# ── risk levels on the ad tables ──


def test_the_tables_hold_at_least_40_ads_in_five_languages() -> None:
    ads = SCAMS + LEGITIMATE
    assert len(ads) >= 40
    assert {lang for lang, _ in ads} == {"id", "en", "vi", "ms", "tl"}
    assert {lang for lang, _ in SCAMS} == {lang for lang, _ in LEGITIMATE}


@pytest.mark.parametrize(("lang", "text"), SCAMS, ids=[short(t) for _, t in SCAMS])
def test_every_clear_scam_is_high_or_medium_risk(lang: str, text: str) -> None:
    result = check(text, lang=lang)
    assert result.risk in ("high", "medium"), [f.id for f in result.flags]
    assert result.strong_flags, "a scam is recognised by at least one strong sign"


@pytest.mark.parametrize(("lang", "text"), LEGITIMATE, ids=[short(t) for _, t in LEGITIMATE])
def test_a_legitimate_ad_is_never_rated_high(lang: str, text: str) -> None:
    assert check(text, lang=lang).risk != "high"


def test_at_least_80_percent_of_legitimate_ads_are_low() -> None:
    risks = [check(text, lang=lang).risk for lang, text in LEGITIMATE]
    share = risks.count("low") / len(risks)
    assert share >= 0.8, f"{share:.0%} low: {risks}"


def test_most_scams_are_high_and_some_milder_ones_medium() -> None:
    risks = [check(text, lang=lang).risk for lang, text in SCAMS]
    assert risks.count("high") >= len(SCAMS) * 0.8
    assert "medium" in risks


def test_weak_signs_alone_stay_low() -> None:
    # reference §1d.2: "urgent, no experience, admin, WhatsApp" alone stays low
    result = check("URGENT! Admin needed, no experience, apply via WhatsApp", lang="en")
    assert result.risk == "low"
    assert {f.id for f in result.flags} >= {"urgency_pressure", "vague_job_title"}
    assert all(f.weight < 2 for f in result.flags)


def test_a_licence_and_the_official_process_outweigh_one_strong_sign() -> None:
    text = "Kerja ke Jepang gaji tinggi, lewat P3MI resmi pemegang SIP3MI, visa kerja, BPJS"
    assert check(text, lang="id", country="ID").risk == "low"


# ── the DESIGN.md contract ──


def test_contract_example_is_high_with_hotspot_and_tourist_visa() -> None:
    result = check(CONTRACT_EXAMPLE, lang="en")
    assert result.risk == "high"
    ids = {flag.id for flag in result.flags}
    assert {"hotspot_destination", "tourist_visa_entry"} <= ids
    assert all(isinstance(f.weight, int | float) and f.explanation for f in result.flags)
    assert isinstance(result.matches, list)
    assert result.risk in RISKS


def test_signature_is_the_contract() -> None:
    import inspect

    params = inspect.signature(check).parameters
    assert list(params) == ["text", "lang", "country"]
    assert params["lang"].default == "en" and params["country"].default is None


def test_flag_ids_are_reference_ids_on_every_ad() -> None:
    allowed = reference_flag_ids() | set(explanations.LAW_RULES)
    assert len(allowed) == 17 + 8
    for lang, text in SCAMS + LEGITIMATE:
        assert {f.id for f in check(text, lang=lang).flags} <= allowed, text


def test_a_transit_point_counts_as_a_hotspot_flag() -> None:
    result = check("Dijemput di Mae Sot lalu kerja admin, paspor dipegang bos", lang="id")
    ids = [flag.id for flag in result.flags]
    assert "hotspot_destination" in ids and "hotspot_transit" not in ids


def test_every_reference_flag_has_a_title_and_an_explanation() -> None:
    assert set(explanations.FLAGS) == reference_flag_ids() | set(explanations.LAW_RULES)
    rules = shared_file("reference/job_offer_law_and_routes.md").read_text(encoding="utf-8")
    section = rules[rules.index("## 6. Candidate checker rules") :]
    for ids in [*explanations.LAW_RULES.values(), *explanations.LAW_NOTES.values()]:
        for rule in ids:
            assert f"**{rule}**" in section
    assert set(explanations.LAW_NOTES) <= set(explanations.NOTES)
    for title, text in [*explanations.FLAGS.values(), explanations.TRANSIT]:
        assert str(title).strip() and str(text).strip()


def test_no_explanation_ever_calls_anything_safe() -> None:
    strings = [str(s) for pair in explanations.FLAGS.values() for s in pair]
    strings += [str(s) for s in explanations.NOTES.values()]
    strings += [str(s) for s in (*next_steps.STEPS.values(), *next_steps.GENERAL)]
    for text in strings:
        assert not re.search(r"\bsafe", text, re.IGNORECASE), text


# ── country rules (§1d.1) ──


def test_indonesian_recruited_to_cambodia_is_high_because_it_cannot_be_legal() -> None:
    text = "Lowongan guru bahasa Inggris di Phnom Penh, gaji USD 1.800 per bulan"
    for_indonesian = check(text, lang="id", country="ID")
    assert for_indonesian.risk == "high"
    assert "non_procedural_placement" in {note.id for note in for_indonesian.notes}
    for_filipino = check(text, lang="en", country="PH")
    assert for_filipino.risk == "medium"
    assert not for_filipino.notes


def test_hotspot_with_tourist_visa_notes_the_combination() -> None:
    result = check("Kerja di Poipet pakai visa turis dulu", lang="id")
    assert result.risk == "high"
    assert [note.id for note in result.notes][0] == "hotspot_combination"
    # An Indonesian reader: Cambodia is no placement country, and a visit visa is no work visa.
    assert {note.id for note in result.notes} == {
        "hotspot_combination",
        "non_procedural_placement",
        "visit_visa_work",
    }


def test_a_warning_about_scams_is_not_mistaken_for_an_offer() -> None:
    text = (
        "Waspada penipuan! Modus lowongan kerja ke Kamboja dengan visa kunjungan. "
        "Kemlu mengimbau masyarakat agar hati-hati, banyak korban."
    )
    result = check(text, lang="id", country="ID")
    assert "warning_context" in {note.id for note in result.notes}
    assert "hotspot_combination" not in {note.id for note in result.notes}


# ── explanations in the reader's language ──


def test_explanations_are_english_outside_an_app() -> None:
    result = check(CONTRACT_EXAMPLE, lang="vi")
    visa = next(f for f in result.flags if f.id == "tourist_visa_entry")
    assert visa.explanation == str(explanations.FLAGS["tourist_visa_entry"][1])


def _catalog(root: Path, locale: str, prefix: str) -> None:
    catalog = Catalog(locale=locale)
    for pair in explanations.FLAGS.values():
        for msgid in map(str, pair):  # outside an app a lazy string is its msgid
            catalog.add(msgid, f"{prefix} {msgid}")
    folder = root / locale / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


def test_explanations_follow_lang_inside_an_app(app, tmp_path: Path) -> None:
    # The lead translates the catalogs (make i18n); this proves the mechanism with a
    # catalog of our own, so it holds whatever state translations/ is in.
    _catalog(tmp_path, "id", "[id]")
    _catalog(tmp_path, "vi", "[vi]")
    config = app.extensions["babel"]
    real = config.translation_directories
    with app.app_context():
        cache = get_domain().cache
        try:
            config.translation_directories = [str(tmp_path)]
            cache.clear()
            by_lang = {
                lang: {f.id: f.explanation for f in check(CONTRACT_EXAMPLE, lang=lang).flags}
                for lang in ("id", "vi", "en", "ms")
            }
        finally:
            config.translation_directories = real
            cache.clear()
    english = str(explanations.FLAGS["tourist_visa_entry"][1])
    assert by_lang["en"]["tourist_visa_entry"] == english
    assert by_lang["id"]["tourist_visa_entry"] == f"[id] {english}"
    assert by_lang["vi"]["tourist_visa_entry"] == f"[vi] {english}"
    assert by_lang["ms"]["tourist_visa_entry"] == english  # no catalog yet: English
    assert by_lang["id"] != by_lang["vi"] != by_lang["en"]


def test_explanations_differ_by_lang_with_the_shipped_catalogs(app) -> None:
    with app.app_context():
        by_lang = {
            lang: [f.explanation for f in check(CONTRACT_EXAMPLE, lang=lang).flags]
            for lang in ("id", "vi", "en")
        }
    if by_lang["id"] == by_lang["en"] or by_lang["vi"] == by_lang["en"]:
        pytest.skip("checker strings not translated yet: the lead runs make i18n")
    assert by_lang["id"] != by_lang["vi"] != by_lang["en"]


def test_an_unknown_lang_falls_back_to_english(app) -> None:
    with app.app_context():
        result = check(CONTRACT_EXAMPLE, lang="xx-not-a-locale")
    assert result.risk == "high"
    assert result.flags[0].explanation == str(explanations.FLAGS[result.flags[0].id][1])


# ── published-warning matches ──


def test_no_published_warning_means_no_matches(app) -> None:
    with app.app_context():
        result = check("Lowongan admin, hubungi t.me/rekrut_kh atau +855 12 345 678", lang="id")
    assert ("telegram", "rekrut_kh") in result.indicators
    assert result.matches == []
    assert find_matching_warnings([Indicator("telegram", "rekrut_kh")]) == []  # no app: no database


def test_matches_come_from_the_published_warnings(app, monkeypatch) -> None:
    asked = []

    def find_published_by_indicators(pairs):
        asked.extend(pairs)
        return [types.SimpleNamespace(title="Fake CS jobs in Sihanoukville")]

    monkeypatch.setattr(checker, "find_published_by_indicators", find_published_by_indicators)
    with app.app_context():
        result = check("Apply via Telegram t.me/rekrut_kh", lang="en")
    assert ("telegram", "rekrut_kh") in asked
    assert [m.title for m in result.matches] == ["Fake CS jobs in Sihanoukville"]


def test_a_bug_in_extraction_leaves_the_warning_signs_and_logs_only_its_kind(
    monkeypatch, caplog
) -> None:
    def broken(self):
        raise RuntimeError("secret offer text t.me/rekrut_kh")

    monkeypatch.setattr("portal.triage.indicators._Extraction.run", broken)
    result = check("Kerja di Kamboja, visa turis, gaji 15 juta, t.me/rekrut_kh", lang="id")
    assert result.risk == "high" and result.indicators == []
    assert "RuntimeError" in caplog.text and "rekrut_kh" not in caplog.text


# ── robustness and privacy ──


def test_naughty_strings_never_break_the_checker() -> None:
    for line in blns_lines():
        result = check(line, lang="en", country="ID")
        assert result.risk in RISKS
    assert check("", lang="id").risk == "low"
    assert check(None, lang="id").risk == "low"  # type: ignore[arg-type]
    assert check("x" * 100_000, lang="en", country="zz").risk == "low"


def test_the_checker_logs_nothing_of_the_text(app, caplog) -> None:
    secret = "Sihanoukville visa turis rahasia-8842 WA 0812-9999-8842"
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        check(secret, lang="id", country="ID")
    assert "rahasia-8842" not in caplog.text and "8842" not in caplog.text


# ── next steps (portal.job_offers.next_steps) ──


def test_verification_urls_come_from_the_reference_only() -> None:
    reference = shared_file(REFERENCE).read_text(encoding="utf-8")
    reference += shared_file("reference/job_offer_law_and_routes.md").read_text(encoding="utf-8")
    for code in next_steps.countries():
        for body in next_steps.verification_bodies(code):
            for link in body.links:
                host, _, path = link.url.removeprefix("https://").partition("/")
                assert host.removeprefix("www.") in reference, link.url
                # the reference writes SISKOP2MI's vacancy list as "(vacancy list at `/lowongan/list`)"
                assert not path or f"/{path}" in reference, link.url


@pytest.mark.parametrize(
    ("country", "names"),
    [("ID", ["SISKOP2MI", "KemenP2MI"]), ("PH", ["DMW"]), ("VN", ["DOLAB"])],
)
def test_each_country_gets_its_own_verification_body(country: str, names: list[str]) -> None:
    bodies = next_steps.verification_bodies(country)
    assert bodies and all(body.country == country for body in bodies)
    text = " ".join(body.name for body in bodies)
    assert all(name in text for name in names)
    assert all(body.steps for body in bodies)


def test_no_country_shows_every_body_and_another_country_only_general_advice() -> None:
    assert {b.country for b in next_steps.verification_bodies(None)} >= {"ID", "PH", "VN"}
    steps = next_steps.next_steps("medium", "ZZ")
    assert steps.bodies == [] and len(steps.general) == 2 and steps.contacts == []


def test_verification_data_has_a_dated_source_header() -> None:
    head = next_steps.DATA.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert head.startswith("# Source: shared/reference/job_offer_red_flags.md")
    assert "2026-11" in head


def test_help_contacts_fit_the_risk(app) -> None:
    from portal.directory.entries import load_services

    services = load_services()
    low = next_steps.next_steps("low", "ID", services=services)
    assert low.need == "job-offer-verification"
    assert [s.id for s in low.contacts] == ["id-kp2mi-contactcentre"]
    high = next_steps.next_steps("high", "ID", services=services)
    assert high.need == "trafficking"
    assert high.contacts[0].id == "id-kp2mi-contactcentre" and len(high.contacts) == 2
    assert all(not s.is_low_confidence for s in high.contacts)
