"""The version of the triage rules: a digest of the rule code and its reference data.

Every triage result records it, so staff can tell which rules gave a score and
`flask triage rerun --rules-changed-only` can find the tips scored by older rules.
It changes whenever a pattern, a lexicon, a weight or a routing table changes,
and only then (whitespace in the code counts: a reformat is a new version).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The directory's services feed the routing of job offers (embassies).
DIRECTORY_DATA = HERE.parent / "directory" / "services.yaml"


def _sources() -> list[Path]:
    files = [
        p for p in HERE.rglob("*") if p.is_file() and p.suffix in {".py", ".yaml", ".txt", ".json"}
    ]
    if DIRECTORY_DATA.is_file():
        files.append(DIRECTORY_DATA)
    return sorted(p for p in files if "__pycache__" not in p.parts)


@cache
def rules_version() -> str:
    """Ten hex digits that name the rules in force in this process."""
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(path.relative_to(HERE.parent).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:10]
