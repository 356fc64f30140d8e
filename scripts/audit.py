"""`make audit`: pip-audit on requirements.lock (the exact set the tests ran with).

Fails on any known vulnerability. pip-audit asks PyPI's per-release JSON, then OSV.
Where neither answers (some mirrors serve only each project's JSON), the fallback asks
that project JSON, whose vulnerability list is for the project's newest release: a pin
that is the newest release is checked, an older pin is named as not checked. Nothing
passes silently: set AUDIT_REQUIRED=1 to make "not checked" a failure too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path(os.environ.get("AUDIT_LOCK", ROOT / "requirements.lock"))
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


def run(service: str) -> tuple[int, dict | None, str]:
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps", "--disable-pip",
            "--vulnerability-service", service, "--format", "json", "--progress-spinner", "off",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return result.returncode, json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return result.returncode, None, result.stderr


def main() -> int:
    required = os.environ.get("AUDIT_REQUIRED") == "1"
    for service in ("pypi", "osv"):
        code, report, errors = run(service)
        if report is None:
            print(f"audit: {service} unreachable ({errors.strip().splitlines()[-1:]})")
            continue
        packages = report.get("dependencies", [])
        audited = [p for p in packages if "skip_reason" not in p]
        vulnerable = [p for p in audited if p.get("vulns")]
        if not audited:
            print(f"audit: {service} could not look up any of {len(packages)} packages")
            continue
        for package in vulnerable:
            for vuln in package["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                print(f"VULNERABLE {package['name']} {package['version']}: {vuln['id']} ({fixed})")
        skipped = len(packages) - len(audited)
        print(
            f"audit ({service}): {len(audited)} packages checked, {len(vulnerable)} vulnerable"
            + (f", {skipped} could not be looked up" if skipped else "")
        )
        return 1 if vulnerable or code not in (0, 1) else 0
    return newest_release_audit(required)


def pins() -> list[tuple[str, str]]:
    """(name, version) of every pinned package in the lock file."""
    found = []
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found.append((name.strip(), version.strip()))
    return found


def project_json(name: str) -> dict | None:
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=30) as response:  # noqa: S310 - fixed https URL
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def newest_release_audit(required: bool) -> int:
    """Check each pin against PyPI's vulnerability list for the project's newest release."""
    locked = pins()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(project_json, (name for name, _ in locked)))
    if all(answer is None for answer in answers):
        print(
            "audit: NOT DONE - no vulnerability database is reachable from this machine "
            "(PyPI's JSON API and api.osv.dev). Run `make audit` where one is."
        )
        return 1 if required else 0
    checked, vulnerable, unchecked = 0, 0, []
    for (name, version), answer in zip(locked, answers, strict=True):
        if answer is None:
            unchecked.append(f"{name} {version} (no answer)")
            continue
        newest = answer["info"]["version"]
        if newest != version:
            unchecked.append(f"{name} {version} (newest is {newest})")
            continue
        checked += 1
        known = [v for v in answer.get("vulnerabilities") or [] if not v.get("withdrawn")]
        vulnerable += bool(known)
        for vuln in known:
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fix yet"
            print(f"VULNERABLE {name} {version}: {vuln['id']} ({fixed})")
    print(
        f"audit (PyPI project JSON, newest releases): {checked} packages checked, "
        f"{vulnerable} vulnerable"
    )
    if unchecked:
        print(
            f"audit: {len(unchecked)} not checked - PyPI here gives vulnerability data only "
            "for a project's newest release: " + "; ".join(unchecked)
        )
    return 1 if vulnerable or (unchecked and required) else 0


if __name__ == "__main__":
    sys.exit(main())
