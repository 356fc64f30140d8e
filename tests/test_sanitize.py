import pytest

from portal.sanitize import clean_line, clean_text, has_unreadable_characters
from tests.helpers import blns_lines


@pytest.mark.parametrize(
    "text",
    [
        "a < b & c",
        "1 < 2 > 0 && 3 >= 2",
        "I <3 you",
        "Giá 500k/gói 🚀💣 ship COD toàn quốc",
        "Tiếng Việt có dấu: Việc nhẹ lương cao ở Campuchia",
        "ភាសាខ្មែរ ការងារនៅកម្ពុជា",
        "မြန်မာဘာသာ မြဝတီ",
        "ภาษาไทย ด่วน",
        "👨‍👩‍👧 family emoji with zero-width joiners",
        "line one\nline two\n\ttabbed",
    ],
)
def test_text_round_trips_byte_for_byte(text):
    assert clean_text(text, 10_000) == text
    assert clean_text(text, 10_000).encode() == text.encode()


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<script>alert(1)</script>hello", "alert(1)hello"),
        ("<b>bold</b> and <i>italic</i>", "bold and italic"),
        ('<a href="javascript:alert(1)">link</a>', "link"),
        ("&lt;b&gt;x&lt;/b&gt;", "x"),  # encoded markup is markup too
        ("x &amp; y &eacute;", "x & y é"),
        ("<!-- hidden --> visible", "visible"),
        ("bell\x07 escape\x1b[31m red", "bell escape[31m red"),
        ("e\u0301", "é"),  # NFC
        ("  padded  ", "padded"),
    ],
)
def test_markup_entities_and_controls_are_removed(dirty, clean):
    assert clean_text(dirty, 10_000) == clean


def test_length_is_bounded():
    assert len(clean_text("x" * 50_000, 1000)) == 1000


def test_one_line_fields_lose_newlines():
    assert clean_line("a\nb\tc", 100) == "a b c"


def test_unreadable_characters_are_detected():
    assert has_unreadable_characters("nul\x00byte")
    assert has_unreadable_characters("broken \ufffd utf-8")
    assert not has_unreadable_characters("Tiếng Việt 🇻🇳")


def test_every_naughty_string_is_cleaned_to_markup_free_text():
    for line in blns_lines():
        cleaned = clean_text(line, 10_000)
        assert "<script" not in cleaned.lower()
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned)
        assert clean_text(cleaned, 10_000) == cleaned  # stable
