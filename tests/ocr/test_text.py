"""Tidying what Tesseract writes: Unicode, spaces, and lines a chat bubble wrapped."""

from __future__ import annotations

import unicodedata

import pytest

from portal import ocr

HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Gaji   Rp 15.000.000  ", "Gaji Rp 15.000.000"),
        ("Vie\u0302\u0323c nhe\u0323", "Việc nhẹ"),  # decomposed Vietnamese, composed
        ("ท\u0e4d\u0e32งาน", "ทำงาน"),  # Tesseract's NIKHAHIT + SARA AA
        ("ທ\u0ecd\u0eb2ງານ", "ທຳງານ"),  # the same in Lao
        ("ค่า สมัคร ท ี่พัก", "ค่า สมัคร ที่พัก"),  # a space before a vowel sign cannot be
        ("ပွ ဲခ ကျ ပ်", "ပွဲခ ကျပ်"),  # nor before a Burmese mark
        ("ပတ္ တ", "ပတ္တ"),  # nor after a stacking virama
        ("\u200bok\t", "\u200bok"),
    ],
)
def test_a_line_is_tidied(raw, clean):
    assert ocr.clean_line(raw) == clean
    assert unicodedata.is_normalized("NFC", ocr.clean_line(raw))


def _output(lines: list[tuple[str, int, int, int, int]]) -> str:
    """What Tesseract writes for `lines` (text, left, top, width, height): TSV, then text."""
    rows = [HEADER]
    for n, (text, left, top, width, height) in enumerate(lines, start=1):
        box = f"{left}\t{top}\t{width}\t{height}"
        rows.append(f"4\t1\t{n}\t1\t1\t0\t{box}\t-1\t")
        rows.append(f"5\t1\t{n}\t1\t1\t1\t{box}\t95.0\t{text.split()[0]}")
    return "\n".join(rows) + "\n" + "".join(f"{text}\n\n" for text, *_ in lines) + "\f"


def test_lines_a_bubble_wrapped_are_joined_again():
    output = _output(
        [
            ("09:41", 42, 45, 77, 25),
            ("Hubungi WhatsApp +62", 74, 1228, 608, 44),
            ("812-3456-7890 sekarang, kuota", 74, 1307, 749, 44),
            ("terbatas!", 76, 1385, 180, 33),
            ("09:38", 641, 1440, 70, 20),
            ("Syarat:", 74, 1600, 150, 44),  # a short line: its writer broke it
            ("usia 18-35 tahun", 74, 1680, 400, 44),
            ("Kirim KTP", 74, 1900, 300, 44),  # a new bubble, further down
        ]
    )
    assert ocr._paragraphs(output) == [
        "09:41",
        "Hubungi WhatsApp +62 812-3456-7890 sekarang, kuota terbatas!",
        "09:38",
        "Syarat:",
        "usia 18-35 tahun",
        "Kirim KTP",
    ]


def test_lines_are_kept_as_they_are_when_the_boxes_do_not_match():
    output = _output([("satu dua", 74, 100, 600, 44), ("tiga", 74, 180, 600, 44)])
    output = output.replace("satu dua\n", "satu dua\nlain\n")
    assert ocr._paragraphs(output) == ["satu dua", "lain", "tiga"]


def test_no_empty_lines_and_no_outer_spaces_are_left():
    assert ocr._paragraphs(HEADER + "\n\n  \n\f") == []
