"""The licensed-recruiter registry: loading (CLI and admin page), replacing, refusing bad files
whole, and the checker's two answers in every locale. The project ships no registry data:
each test writes its own file."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest

from portal.extensions import db
from portal.job_offers import registry
from portal.job_offers.checker import check
from portal.models import AuditEvent, LicensedRecruiter, RecruiterList
from tests.helpers import form_tokens
from tests.staff.helpers import staff_client

HEADER = "name,licence_number,country,source_url,date_retrieved\n"
VN_LIST = (
    HEADER
    + "Công ty CP Nhân lực Sông Hồng,123/LĐTBXH-GP,VN,https://www.dolab.gov.vn/danh-sach,2026-11-20\n"
    + "Công ty TNHH Cung ứng Lao động Phú Thịnh,456/LĐTBXH-GP,VN,https://www.dolab.gov.vn/danh-sach,2026-11-20\n"
)
PH_LIST = (
    HEADER
    + "Bayanihan Manpower Services Inc.,DMW-077-LB-03152024-R,PH,https://dmw.gov.ph/licensed-recruitment-agencies,2026-11-02\n"
)


def load(app, text: str, name: str = "list.csv") -> registry.LoadResult:
    with app.app_context():
        result = registry.load(text.encode("utf-8"), name)
        db.session.commit()
        return result


def rows(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (row.country, row.name, row.licence_number)
            for row in db.session.scalars(
                db.select(LicensedRecruiter).order_by(LicensedRecruiter.id)
            )
        ]


def test_a_list_loads_and_a_second_load_replaces_it_with_counts(app):
    first = load(app, VN_LIST + PH_LIST[len(HEADER) :])
    assert [(c.country, c.added, c.removed, c.kept) for c in first.countries] == [
        ("PH", 1, 0, 0),
        ("VN", 2, 0, 0),
    ]
    newer = (
        HEADER
        + "Công ty CP Nhân lực Sông Hồng,123/LĐTBXH-GP,VN,https://www.dolab.gov.vn/danh-sach,2026-12-01\n"
        + "Công ty CP Xuất khẩu Lao động Bình Minh,789/LĐTBXH-GP,VN,https://www.dolab.gov.vn/danh-sach,2026-12-01\n"
    )
    second = load(app, newer, "dolab-december.csv")
    assert [(c.country, c.added, c.removed, c.kept) for c in second.countries] == [("VN", 1, 1, 1)]
    # The Philippine list was not in the file: it stays as it was.
    assert {row[0] for row in rows(app)} == {"PH", "VN"} and len(rows(app)) == 3
    with app.app_context():
        vn = db.session.get(RecruiterList, "VN")
        assert (vn.entries, vn.retrieved, vn.file_name) == (
            2,
            date(2026, 12, 1),
            "dolab-december.csv",
        )


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("name;licence\nA;1\n", 1, "header"),
        (HEADER + "Agency,1,VN,https://x.example/list\n", 2, "columns"),
        (HEADER + ",1,VN,https://x.example/list,2026-01-01\n", 2, "name"),
        (HEADER + "Agency,,VN,https://x.example/list,2026-01-01\n", 2, "licence_number"),
        (HEADER + "Agency,1,Vietnam,https://x.example/list,2026-01-01\n", 2, "country"),
        (HEADER + "Agency,1,VN,dolab.gov.vn,2026-01-01\n", 2, "source_url"),
        # urlsplit raises on these (once a 500 on the admin page), or the host is not a host.
        (HEADER + "Agency,1,VN,https://[x,2026-01-01\n", 2, "source_url"),
        (HEADER + "Agency,1,VN,https://\u2100.com,2026-01-01\n", 2, "source_url"),
        (HEADER + "Agency,1,VN,https://<b>x</b>.gov.ph/,2026-01-01\n", 2, "source_url"),
        (HEADER + "Agency,1,VN,https://exa mple.com,2026-01-01\n", 2, "source_url"),
        (HEADER + "Agency,1,VN,https://x.example/list,20/11/2026\n", 2, "date_retrieved"),
        (HEADER + "Agency,1,VN,https://x.example/list,2999-01-01\n", 2, "date_retrieved"),
        (
            HEADER
            + "A,1,VN,https://x.example/l,2026-01-01\n\nB,1,VN,https://x.example/l,2026-01-01\n",
            4,
            "duplicate_licence",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_nothing_changes(app, text, line, code):
    load(app, VN_LIST)
    before = rows(app)
    with app.app_context(), pytest.raises(registry.RegistryFileRefused) as refused:
        registry.load(
            (text + "Good Agency Inc.,99,PH,https://dmw.gov.ph/x,2026-01-01\n").encode(), "bad.csv"
        )
    assert (line, code) in [(problem[0], problem[1]) for problem in refused.value.problems]
    assert rows(app) == before


def test_every_bad_line_is_reported_not_only_the_first(app):
    text = (
        HEADER
        + "A,1,XX1,https://a.example/l,2026-01-01\nB,2,VN,ftp://a.example,2026-01-01\nC,3,VN,https://a.example/l,2026-01-01\n"
    )
    with app.app_context(), pytest.raises(registry.RegistryFileRefused) as refused:
        registry.load(text.encode(), "two.csv")
    assert [(line, code) for line, code, _ in refused.value.problems] == [
        (2, "country"),
        (3, "source_url"),
    ]


def test_binary_non_utf8_and_empty_files_are_refused(app):
    with app.app_context():
        cases = [
            (b"\xff\xfe\x00n\x00a", "not_utf8"),
            (HEADER.encode() + b"A\x00,1", "binary"),
            (HEADER.encode(), "empty"),
            (b"", "header"),
        ]
        for content, code in cases:
            with pytest.raises(registry.RegistryFileRefused) as refused:
                registry.load(content, "x.csv")
            assert refused.value.problems[0][1] == code


def test_the_cli_loads_replaces_and_refuses(app, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "dolab.csv"
    good.write_text(VN_LIST, encoding="utf-8")
    result = runner.invoke(args=["registry", "load", str(good)])
    assert result.exit_code == 0, result.output
    assert "VN 2 (2 added, 0 removed, 0 unchanged)" in result.output
    again = runner.invoke(args=["registry", "load", str(good)])
    assert "VN 2 (0 added, 0 removed, 2 unchanged)" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A,1,VN,https://a.example/l,yesterday\n", encoding="utf-8")
    refused = runner.invoke(args=["registry", "load", str(bad)])
    assert refused.exit_code == 1
    assert (
        "line 2: date_retrieved (yesterday)" in refused.output
        and "Nothing was changed" in refused.output
    )
    listing = runner.invoke(args=["registry", "list"])
    assert "VN       2  2026-11-20  https://www.dolab.gov.vn/danh-sach" in listing.output
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert actions.count("load_recruiter_registry") == 2


def test_the_admin_page_loads_a_list_and_shows_problems_by_line(app):
    admin = staff_client(app, "admin", "root")
    page = admin.get("/staff/admin/registry")
    assert page.status_code == 200 and "No list is loaded yet" in page.text

    def upload(content: bytes, name: str = "list.csv"):
        token = form_tokens(admin.get("/staff/admin/registry").text)["csrf_token"]
        return admin.post(
            "/staff/admin/registry",
            data={"csrf_token": token, "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )

    done = upload(VN_LIST.encode())
    assert done.status_code == 200
    assert "VN: 2 added, 0 removed, 0 unchanged." in html.unescape(done.text)
    assert "https://www.dolab.gov.vn/danh-sach" in done.text
    bad = upload(
        (
            HEADER
            + "A,1,VN,https://a.example/l,2026-01-01\nB,1,VN,https://a.example/l,2026-01-01\n"
        ).encode()
    )
    assert bad.status_code == 400
    text = html.unescape(bad.text)
    assert (
        "Line 3:" in text
        and "This licence number appears twice" in text
        and "Nothing was changed" in text
    )
    assert upload(b"x", "list.xlsx").status_code == 400
    assert len(rows(app)) == 2


def test_analysts_and_partner_admins_cannot_load_lists(app):
    analyst = staff_client(app, "analyst", "ana")
    assert analyst.get("/staff/admin/registry").status_code in (302, 403, 404)


CHECK_LOCALES = ["en", "id", "vi", "ms", "fil", "th", "km", "lo", "my"]


@pytest.mark.parametrize("lang", CHECK_LOCALES)
def test_the_checker_says_found_or_not_found_and_never_safe(app, lang):
    load(app, VN_LIST + PH_LIST[len(HEADER) :])
    offer = (
        "Tuyển 20 lao động đi Nhật, Công ty CP Nhân lực Sông Hồng, giấy phép số 123/LĐTBXH-GP. "
        "Liên hệ Công ty TNHH Thành Đạt Nhân Lực để nộp hồ sơ."
    )
    with app.test_request_context(f"/{lang}/check"):
        result = check(offer, lang=lang, country="VN")
    found = [(a.kind, a.found, a.source, a.retrieved) for a in result.registry]
    assert ("licence", True, "dolab.gov.vn", date(2026, 11, 20)) in found
    assert ("name", False, "dolab.gov.vn", date(2026, 11, 20)) in found
    # The name of a licence number already found is not asked about twice.
    assert [a.quoted for a in result.registry if a.kind == "name"] == [
        "Công ty TNHH Thành Đạt Nhân Lực"
    ]


def test_the_result_page_shows_both_answers_in_the_readers_language(app, client):
    load(app, VN_LIST)
    offer = (
        "Tuyển lao động đi Nhật. Công ty CP Nhân lực Sông Hồng, giấy phép số 123/LĐTBXH-GP.\n"
        "Hoặc Công ty TNHH Thành Đạt Nhân Lực\n"
    )
    for lang, found, missing in [
        (
            "en",
            "is in the list of licensed recruiters of dolab.gov.vn",
            "is not in the list of licensed recruiters of dolab.gov.vn",
        ),
    ]:
        page = client.get(f"/{lang}/check")
        token = form_tokens(page.text)["csrf_token"]
        result = client.post(
            f"/{lang}/check", data={"csrf_token": token, "offer": offer, "country": "VN"}
        )
        text = html.unescape(result.text)
        assert result.status_code == 200
        assert found in text and missing in text
        assert "still confirm the job with them before you pay anything" in text
        assert "Check on dolab.gov.vn before you pay anything" in text
        assert " safe" not in text.lower()


def test_without_a_loaded_list_the_checker_says_nothing_about_licences(app):
    with app.test_request_context("/en/check"):
        result = check(
            "PT Maju Jaya Abadi, SIP3MI No. 503/2021, lowongan ke Taiwan", lang="id", country="ID"
        )
    assert result.registry == []


def test_names_and_licence_numbers_are_found_in_offers():
    names, numbers = registry.candidates(
        "PT Sinar Karya Mandiri (SIP3MI No. 503/KEP/2021) mencari pekerja. "
        "Agensi Pekerjaan Cahaya Timur Sdn Bhd, Lesen No: JTK-1234. "
        "Bayanihan Manpower Services Inc. DMW License No. DMW-077-LB-03152024-R. บริษัท จัดหางานสยาม จำกัด"
    )
    assert "PT Sinar Karya Mandiri" in names[0]
    assert any("Agensi Pekerjaan Cahaya Timur Sdn Bhd" in name for name in names)
    assert any("Bayanihan Manpower Services Inc" in name for name in names)
    assert any(name.startswith("บริษัท") for name in names)
    assert {"503/KEP/2021", "JTK-1234", "DMW-077-LB-03152024-R"} <= set(numbers)
    assert registry.name_key("CÔNG TY CP Nhân lực Sông Hồng") == registry.name_key(
        "Nhan Luc Song Hong"
    )
    assert registry.candidates("Gaji 8 juta, kerja di pabrik, hubungi 0812 3456 7890") == ([], [])


def test_a_name_ends_where_its_sentence_ends():
    """Seen as a new user: "PT DEMO Karya Contoh. Hubungi WA …" was read as one long name and
    so never found in the list."""
    assert registry.candidates("PT DEMO Karya Contoh. Hubungi WA 0812 3456 7890")[0] == [
        "PT DEMO Karya Contoh"
    ]
    assert registry.candidates("Lowongan dari PT. Maju Jaya Abadi\nGaji 5 juta")[0] == [
        "PT. Maju Jaya Abadi"
    ]
