"""Job offers as recruiters send them in chats, with what a reader of the screenshot must get:
the phone number's digits and the words that give the scam away. Made up for the tests; the
numbers are in ranges no operator assigns to a person (or are plainly examples)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Offer:
    key: str
    locale: str
    sender: str
    messages: tuple[str, ...]
    # The number as it is written, and as digits with its "+" (separators dropped).
    phone: str
    # The words that must come out, separated by spaces (Thai and Burmese ones have none inside).
    keywords: str

    @property
    def phone_digits(self) -> str:
        return "".join(c for c in self.phone if c.isdigit() or c == "+")

    @property
    def words(self) -> list[str]:
        return self.keywords.split()

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


OFFERS: tuple[Offer, ...] = (
    Offer(
        key="id-cambodia",
        locale="id",
        sender="HRD Rekrutmen Asia",
        messages=(
            "Selamat siang kak, kami membuka lowongan kerja di Kamboja sebagai admin online. Gaji Rp 15.000.000 per bulan, tiket pesawat dan mess gratis.",
            "Syarat: usia 18-35 tahun, bisa mengetik, paspor aktif. Tidak perlu pengalaman.",
            "Sebelum berangkat ada biaya administrasi Rp 2.500.000 untuk visa kerja, transfer ke rekening BCA 1234567890 a.n. Budi Santoso.",
            "Hubungi WhatsApp +62 812-3456-7890 sekarang, kuota terbatas!",
        ),
        phone="+62 812-3456-7890",
        keywords=(
            "lowongan kerja Kamboja admin online Gaji 15.000.000 tiket pesawat gratis paspor "
            "pengalaman biaya administrasi 2.500.000 visa transfer rekening BCA 1234567890 "
            "WhatsApp kuota terbatas"
        ),
    ),
    Offer(
        key="id-taiwan",
        locale="id",
        sender="PT Sukses Makmur Jaya",
        messages=(
            "INFO LOWONGAN PABRIK ELEKTRONIK TAIWAN",
            "Proses cepat 2 minggu langsung terbang. Gaji NT$ 28.000 + lembur. Uang jaminan Rp 7.000.000 dibayar di muka, dikembalikan setelah kontrak selesai.",
            "Kirim foto KTP dan KK ke admin: 081 234 5678 (Ibu Rina). Jangan lapor ke BP2MI, nanti prosesnya lama.",
        ),
        phone="081 234 5678",
        keywords=(
            "LOWONGAN PABRIK ELEKTRONIK TAIWAN Proses cepat minggu Gaji 28.000 lembur jaminan "
            "7.000.000 kontrak KTP admin lapor BP2MI"
        ),
    ),
    Offer(
        key="vi-export",
        locale="vi",
        sender="Tuyển dụng XKLĐ",
        messages=(
            "Tuyển gấp 50 lao động đi xuất khẩu lao động Nhật Bản, đơn hàng đóng gói thực phẩm, lương 30 triệu đồng/tháng.",
            "Không cần tiếng Nhật, bay sau 1 tháng. Phí đặt cọc 45 triệu, nộp trước để giữ chỗ.",
            "Liên hệ Zalo: 0912 345 678 (chị Hương) để được tư vấn miễn phí.",
        ),
        phone="0912 345 678",
        keywords=(
            "Tuyển gấp lao động xuất khẩu Nhật Bản đơn hàng thực phẩm lương triệu đồng/tháng "
            "tiếng Phí đặt cọc giữ chỗ Liên hệ Zalo tư vấn miễn phí"
        ),
    ),
    Offer(
        key="vi-cambodia",
        locale="vi",
        sender="Việc nhẹ lương cao",
        messages=(
            "Việc nhẹ lương cao tại Campuchia: nhân viên chăm sóc khách hàng online, lương 1.500 USD, bao ăn ở, hỗ trợ vé máy bay.",
            "Chỉ cần biết dùng điện thoại và máy tính. Chuyển trước 5.000.000 đ phí làm hồ sơ vào tài khoản Vietcombank.",
            "Gọi ngay +84 912 345 678, số lượng có hạn!",
        ),
        phone="+84 912 345 678",
        keywords=(
            "Việc nhẹ lương cao Campuchia nhân viên khách hàng 1.500 USD bao ăn hỗ trợ vé máy "
            "bay điện thoại Chuyển 5.000.000 phí hồ sơ tài khoản Vietcombank"
        ),
    ),
    Offer(
        key="th-casino",
        locale="th",
        sender="งานต่างประเทศ รายได้ดี",
        messages=(
            "รับสมัครพนักงานแอดมินออนไลน์ ทำงานที่กัมพูชา เงินเดือน 35,000 บาท มีที่พักฟรี",
            "ไม่ต้องมีประสบการณ์ ขอแค่พิมพ์คอมได้ เดินทางภายใน 7 วัน",
            "ค่าสมัคร 5,000 บาท โอนเข้าบัญชีกสิกรไทย ก่อนออกเดินทาง",
            "ติดต่อไลน์ หรือโทร 081-234-5678",
        ),
        phone="081-234-5678",
        keywords=(
            "รับสมัคร พนักงาน แอดมิน ออนไลน์ ทำงาน กัมพูชา เงินเดือน 35,000 บาท ที่พัก ฟรี "
            "ประสบการณ์ เดินทาง ค่าสมัคร 5,000 โอน บัญชี กสิกรไทย ติดต่อ ไลน์ โทร"
        ),
    ),
    Offer(
        key="th-factory",
        locale="th",
        sender="บริษัท จัดหางาน",
        messages=(
            "ด่วน! รับคนงานไปทำงานโรงงานที่ไต้หวัน ค่าแรงวันละ 1,200 บาท ทำโอทีได้",
            "ค่าดำเนินการ 80,000 บาท จ่ายก่อนเดินทาง ไม่ต้องผ่านกรมการจัดหางาน",
            "สนใจโทร +66 81 234 5678",
        ),
        phone="+66 81 234 5678",
        keywords=(
            "ด่วน คนงาน ทำงาน โรงงาน ไต้หวัน ค่าแรง วันละ 1,200 บาท ค่าดำเนินการ 80,000 จ่าย "
            "ก่อน เดินทาง กรมการจัดหางาน สนใจ โทร"
        ),
    ),
    Offer(
        key="my-thailand",
        locale="my",
        sender="အလုပ်အကိုင် ကိုယ်စားလှယ်",
        messages=(
            "ထိုင်းနိုင်ငံ စက်ရုံ အလုပ်သမား အမြန်လိုအပ်သည်။ လစာ ဘတ် ၁၂,၀၀၀ ။ နေစရာ အခမဲ့။",
            "ပွဲခ ကျပ် ၁၅ သိန်း ကြိုတင်ပေးရမည်။ ပတ်စ်ပို့ မလိုပါ။",
            "ဖုန်း 09 123 456 789 သို့ ဆက်သွယ်ပါ။",
        ),
        phone="09 123 456 789",
        keywords=("ထိုင်းနိုင်ငံ စက်ရုံ အလုပ်သမား လစာ ဘတ် နေစရာ အခမဲ့ ပွဲခ ကျပ် သိန်း ကြိုတင် ပတ်စ်ပို့ ဖုန်း ဆက်သွယ်"),
    ),
    Offer(
        key="my-malaysia",
        locale="my",
        sender="မလေးရှား အလုပ်",
        messages=(
            "မလေးရှား ဆိုင်အလုပ် ခေါ်နေပါသည်။ လစာ ရင်းဂစ် 1,800။",
            "အေးဂျင့်ကြေး ကျပ် 30 သိန်း။ ငွေကို KBZPay ဖြင့် လွှဲပါ။",
            "Viber +95 9 123 456 789",
        ),
        phone="+95 9 123 456 789",
        keywords=("မလေးရှား ဆိုင် အလုပ် ခေါ် လစာ ရင်းဂစ် 1,800 အေးဂျင့် ကြေး ကျပ် သိန်း KBZPay လွှဲ Viber"),
    ),
)


def offers_in(locale: str) -> list[Offer]:
    return [offer for offer in OFFERS if offer.locale == locale]


def _squeezed(text: str) -> str:
    """`text` without spaces, line breaks or the marks people put between digits."""
    return "".join(c for c in text if not c.isspace() and c not in "-.()")


def phone_read(offer: Offer, text: str) -> bool:
    """Whether `text` has every digit of the offer's phone number, in order, with its "+"
    (the number may be split over two lines, as a bubble wraps it)."""
    return offer.phone_digits in _squeezed(text)


def keyword_recall(offer: Offer, text: str) -> float:
    """The share of the offer's key words found in `text`: a whole word, punctuation around it
    aside, for scripts that space words; anywhere in the text without its spaces for Thai and
    Burmese, which write words together."""
    if offer.locale in ("th", "my"):
        flat = "".join(text.split()).casefold()
        found = [word for word in offer.words if word.casefold() in flat]
    else:
        tokens = set(_words(text))
        found = [word for word in offer.words if word.casefold() in tokens]
    return len(found) / len(offer.words)


def missed_keywords(offer: Offer, text: str) -> list[str]:
    """The key words `text` lacks, for a failing test's message."""
    return [word for word in offer.words if not keyword_recall(replace(offer, keywords=word), text)]


def word_recall(offer: Offer, text: str) -> float:
    """For scripts that space words: the share of all the words of the offer's messages that
    `text` has (each as often as the messages have it), punctuation around them aside."""
    expected = Counter(_words(offer.text))
    read = Counter(_words(text))
    return sum(min(n, read[word]) for word, n in expected.items()) / sum(expected.values())


def _words(text: str) -> list[str]:
    words = (token.strip(".,:;!?()\"'").casefold() for token in text.split())
    return [word for word in words if word]
