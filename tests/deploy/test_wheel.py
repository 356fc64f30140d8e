"""The README's Production section, taken as a deployer takes it: build the wheel, install it
with the lock into a new virtualenv, migrate, start gunicorn with deploy/gunicorn.conf.py in a
folder outside the checkout, and use the portal in all nine languages. Needs PostgreSQL and
Redis (TEST_DATABASE_URL / TEST_REDIS_URL, as `.ci/run` sets)."""

from __future__ import annotations

import gettext
import html
import os
import re
import subprocess
import sys
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from portal.i18n import LOCALES, catalog_dir
from tests.deploy.conftest import CANARY, Browser
from tests.deploy.conftest import report as send_report
from tests.helpers import free_port, stop_process_groups, wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent
BUDGET = 30 * 1024  # bytes on the wire for one public page
# The sentence under the home page's heading, as each locale's catalog has it.
HOME_SENTENCE = "You do not need to give your name. We never record who you are."
# A phone on plain HTTP asks for gzip; over HTTPS Chromium also asks for Brotli.
ENCODINGS = ("gzip, deflate", "gzip, deflate, br, zstd")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the wheel built from this checkout and the lock's versions."""
    where = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
         str(where / "dist"), str(ROOT)],
        cwd=where, check=True, capture_output=True,
    )
    (wheel,) = (where / "dist").glob("waspada-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for code in LOCALES:
        assert f"portal/translations/{catalog_dir(code)}/LC_MESSAGES/messages.mo" in names, code
    assert "portal/migrations/env.py" in names
    tracked = subprocess.run(
        ["git", "ls-files", "portal"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert not set(tracked) - names, "files of portal/ missing from the wheel"
    target = where / "venv"
    venv.create(target, with_pip=True)
    subprocess.run(
        # --no-compile: Python compiles what the portal imports when it first runs anyway.
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
         "-c", str(ROOT / "requirements.lock"), str(wheel)],
        cwd=where, check=True, capture_output=True,
    )
    return target


def _package(venv_dir: Path) -> Path:
    (found,) = venv_dir.glob("lib/python*/site-packages/portal")
    return found


def _environment(
    services: tuple[str, str], run_dir: Path, venv_dir: Path | None = None
) -> dict[str, str]:
    """The production settings of the README; with `venv_dir`, also the data-key file, made
    as the README says (`python -m portal.protection new-key`)."""
    database_url, redis_url = services
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")
    keys = {}
    if venv_dir is not None:
        made = subprocess.run(
            [str(venv_dir / "bin" / "python"), "-m", "portal.protection", "new-key"],
            cwd=run_dir, capture_output=True, text=True, check=True,
        )
        key_file = run_dir / "data_keys"
        key_file.write_text(made.stdout)
        key_file.chmod(0o600)
        keys["WASPADA_DATA_KEYS_FILE"] = str(key_file)
    return {
        **keys,
        **{k: v for k, v in os.environ.items() if k in keep},
        "WASPADA_ENV": "production",
        "SECRET_KEY": "wheel-test-secret-key-0123456789-abcdefghij",
        "RECEIPT_SALT": "wheel-test-receipt-salt",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PROXY_FIX_X_FOR": "1",
        "WASPADA_INSTANCE": str(run_dir / "instance"),
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(run_dir / "metrics"),
    }


def _start_gunicorn(venv_dir: Path, env: dict[str, str], run_dir: Path, port: int):
    log = (run_dir / f"gunicorn-{port}.log").open("w")
    return subprocess.Popen(
        [str(venv_dir / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "portal.wsgi:app"],
        cwd=run_dir, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )


def _translated(venv_dir: Path, code: str, message: str) -> str:
    """`message` as the installed catalog of `code` has it."""
    return gettext.translation(
        "messages", localedir=_package(venv_dir) / "translations", languages=[catalog_dir(code)]
    ).gettext(message)


def test_installed_wheel_serves_every_language_outside_the_checkout(
    installed, services, tmp_path
):
    run_dir = tmp_path / "srv"  # the working directory: nothing of the checkout in it
    run_dir.mkdir()
    env = _environment(services, run_dir, installed)
    flask = [str(installed / "bin" / "flask"), "--app", "portal"]
    migrated = subprocess.run(
        [*flask, "db", "upgrade"], cwd=run_dir, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    web = f"http://127.0.0.1:{port}"
    process = _start_gunicorn(installed, env, run_dir, port)
    try:
        wait_for(lambda: _answers(f"{web}/healthz"), 60, "gunicorn from the installed wheel")
        phone = Browser(f"{CANARY}5")
        for code in LOCALES:
            phone.language = code
            status, page, _ = phone.request(f"{web}/{code}/")
            assert status == 200
            assert f'<html lang="{code}"' in page, code
            sentence = _translated(installed, code, HOME_SENTENCE)
            assert code == "en" or sentence != HOME_SENTENCE, f"{code} catalog is not translated"
            assert html.escape(sentence, quote=False) in page, code
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
        status, css, _ = phone.request(f"{web}{stylesheet}")
        assert status == 200 and "{" in css

        status, receipt = send_report(phone, web, "Dijual sabu lewat t.me/contoh_wheel", "id")
        assert status == 303
        assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt or "")
        # The report is sealed with the key file's key, and every sealed value opens with it.
        checked = subprocess.run(
            [*flask, "keys", "check"], cwd=run_dir, env=env, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "tips: 1 checked, 0 unreadable" in checked.stdout
        _check_page_sizes(web)
    finally:
        stop_process_groups([process])


def test_production_refuses_to_start_without_a_catalog(installed, services, tmp_path):
    run_dir = tmp_path / "srv"
    run_dir.mkdir()
    catalog = _package(installed) / "translations" / "vi" / "LC_MESSAGES" / "messages.mo"
    hidden = catalog.with_suffix(".hidden")
    catalog.rename(hidden)
    try:
        env = _environment(services, run_dir, installed)
        process = _start_gunicorn(installed, env, run_dir, free_port())
        try:
            status = process.wait(timeout=60)
        finally:
            stop_process_groups([process])
    finally:
        hidden.rename(catalog)
    log = next(run_dir.glob("gunicorn-*.log")).read_text()
    assert status != 0
    refusals = [line for line in log.splitlines() if line.startswith("waspada: refusing")]
    assert refusals and "vi (no " in refusals[0], log
    assert "Traceback" not in log


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


def _public_pages(web: str, code: str, browser: Browser) -> list[str]:
    """Every page a reporter can reach without an account, in one language."""
    pages = ["/", "/report/", "/follow-up", "/check", "/help", "/warnings", "/warnings.atom"]
    pages += [f"/report/{category}" for category in ("drugs", "job-offer", "extremism", "other")]
    pages += [f"/help?country={country}" for country in _countries(web, code, browser)]
    return [f"/{code}{page}" for page in pages]


def _countries(web: str, code: str, browser: Browser) -> list[str]:
    _, page, _ = browser.request(f"{web}/{code}/help")
    return sorted(set(re.findall(r'<option value="([A-Z]{2})"', page)))


def _check_page_sizes(web: str) -> None:
    """No public page in any locale takes more than BUDGET bytes on the wire."""
    largest: dict[str, tuple[int, str]] = {}
    for encodings in ENCODINGS:
        for code in LOCALES:
            browser = Browser(f"{CANARY}6", language=code, encodings=encodings)
            for path in _public_pages(web, code, browser):
                response = browser.open(f"{web}{path}")
                body = response.read()
                assert response.status == 200, path
                headers = sum(len(k) + len(v) + 4 for k, v in response.headers.items())
                size = len(body) + headers
                if len(body) > 1024:
                    assert response.headers.get("Content-Encoding") in ("gzip", "br"), path
                if size > largest.get(encodings, (0, ""))[0]:
                    largest[encodings] = (size, path)
                assert size <= BUDGET, f"{path} is {size} bytes with {encodings!r}"
    print("largest public page on the wire:", largest)


def test_production_refuses_to_start_without_data_keys(installed, services, tmp_path):
    run_dir = tmp_path / "srv"
    run_dir.mkdir()
    process = _start_gunicorn(installed, _environment(services, run_dir), run_dir, free_port())
    try:
        status = process.wait(timeout=60)
    finally:
        stop_process_groups([process])
    log = next(run_dir.glob("gunicorn-*.log")).read_text()
    assert status != 0
    refusals = [line for line in log.splitlines() if line.startswith("waspada: refusing")]
    assert refusals and "WASPADA_DATA_KEYS_FILE" in refusals[0], log
    assert "Traceback" not in log
