"""Build step: a wheel carries what the portal reads at run time from outside `portal/`.

`translations/` and `migrations/` stay at the top of the repository (where translators and
`flask db` look for them); a built wheel gets the catalogs compiled to `portal/translations/`
and a copy of `portal/migrations/`, so an installed portal serves every language and can
migrate its database wherever it runs. An editable install reads the checkout's folders
instead (`portal.paths`). Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Compile every translations/<locale>/LC_MESSAGES/messages.po into `target`."""
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as infile:
            catalog = read_po(infile, locale=po.parent.parent.name)
        with mo.open("wb") as outfile:
            write_mo(outfile, catalog)
        written.append(mo)
    if not written:
        raise SystemExit(f"no translation catalogs under {source}: the wheel would be English only")
    return written


class BuildWithCatalogs(build_py):
    """setuptools' build_py, plus the compiled catalogs and the migrations."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads translations/ and migrations/ in the checkout
        package = Path(self.build_lib) / "portal"
        # A reused build folder may hold catalogs or migrations deleted or renamed since:
        # start both afresh (a stale migration would give Alembic two heads).
        for folder in ("translations", "migrations"):
            shutil.rmtree(package / folder, ignore_errors=True)
        compile_catalogs(ROOT / "translations", package / "translations")
        shutil.copytree(
            ROOT / "migrations",
            package / "migrations",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )


setup(cmdclass={"build_py": BuildWithCatalogs})
