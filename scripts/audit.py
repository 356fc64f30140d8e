"""`make audit`: pip-audit on requirements.lock (the exact set the tests ran with).

Fails on any known vulnerability. When no vulnerability database can be reached (an
offline machine: PyPI's per-release JSON and OSV both unreachable), it says so loudly
and does not pretend the audit passed; set AUDIT_REQUIRED=1 to make that a failure too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


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
    print(
        "audit: NOT DONE - no vulnerability database is reachable from this machine "
        "(PyPI per-release JSON and api.osv.dev). Run `make audit` where one is."
    )
    return 1 if required else 0


if __name__ == "__main__":
    sys.exit(main())
