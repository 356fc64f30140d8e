"""The drug lexicon is for staff only: nothing public may serve or quote it."""

from pathlib import Path

import yaml

PORTAL = Path(__file__).resolve().parent.parent.parent / "portal"
LEXICON = PORTAL / "triage" / "data" / "drug_lexicon.yaml"


def test_lexicon_lives_outside_the_static_folder():
    assert LEXICON.exists()
    assert PORTAL / "static" not in LEXICON.parents


def test_lexicon_is_not_reachable_over_http(client):
    for url in [
        "/static/../triage/data/drug_lexicon.yaml",
        "/static/drug_lexicon.yaml",
        "/triage/data/drug_lexicon.yaml",
        "/static/%2e%2e/triage/data/drug_lexicon.yaml",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"substance" not in response.data


def test_no_public_template_reads_the_lexicon():
    for template in PORTAL.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "lexicon" not in text.lower(), template
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    assert data  # the file is real data, loaded only by portal/triage
