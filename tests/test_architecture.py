"""The layout's two rules, checked on the source (see ARCHITECTURE.md):

1. Only the audience folders (portal/public/, portal/staff/) and the app factory that registers
   their blueprints (portal/__init__.py) import from portal/public/ and portal/staff/.
2. No import cycle between modules, counting imports inside functions too: a lazy import that
   holds a cycle together is still a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
AUDIENCES = ("portal.public", "portal.staff")
FACTORY = "portal"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str, root: Path = ROOT) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every project module `path` imports, at any depth in the file. `from a import b` counts
    as importing a.b when b is a module, else as importing a."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                candidate = f"{origin}.{alias.name}"
                found.add(candidate if is_module(candidate, root) else origin)
    return {m for m in found if m == "portal" or m.startswith("portal.")}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    return {
        module_name(path, root): imports_of(path, root) - {module_name(path, root)}
        for path in sorted((root / "portal").rglob("*.py"))
    }


def audience_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of an audience folder by a module that is neither one nor the factory."""
    def inside(module: str) -> bool:
        return any(module == a or module.startswith(a + ".") for a in AUDIENCES)

    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module != FACTORY and not inside(module)
        for target in targets
        if inside(target)
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_only_audience_folders_and_the_factory_import_them():
    assert audience_imports(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


# The checks themselves, on a small made-up project: each rule must be able to fail.


def _project(tmp_path: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return import_graph(tmp_path)


def test_a_lazy_import_that_closes_a_cycle_is_found(tmp_path):
    graph = _project(
        tmp_path,
        {
            "portal/__init__.py": "from portal.jobs import queue\n",
            "portal/jobs/__init__.py": "",
            "portal/jobs/queue.py": "def f():\n    from portal.jobs.triage import run\n",
            "portal/jobs/triage.py": "def run():\n    from portal import create_app\n",
        },
    )
    assert cycles(graph) == [["portal", "portal.jobs.queue", "portal.jobs.triage"]]


def test_importing_a_submodule_through_its_package_is_not_a_cycle(tmp_path):
    graph = _project(
        tmp_path,
        {
            "portal/__init__.py": "from portal import metrics\n",
            "portal/metrics.py": "from portal import sanitize\n",
            "portal/sanitize.py": "",
        },
    )
    assert cycles(graph) == []


def test_domain_code_importing_an_audience_folder_is_found(tmp_path):
    graph = _project(
        tmp_path,
        {
            "portal/__init__.py": "from portal.public.tips import routes\n",
            "portal/public/__init__.py": "",
            "portal/public/tips/__init__.py": "",
            "portal/public/tips/routes.py": "from portal.triage import routing\n",
            "portal/public/tips/forms.py": "",
            "portal/triage/__init__.py": "",
            "portal/triage/routing.py": "from ..public.tips.forms import X\n",
        },
    )
    assert audience_imports(graph) == ["portal.triage.routing imports portal.public.tips.forms"]


@pytest.mark.parametrize("relative", ["from . import b", "from .b import thing"])
def test_relative_imports_are_resolved(tmp_path, relative):
    graph = _project(
        tmp_path, {"portal/__init__.py": "", "portal/a.py": relative + "\n", "portal/b.py": ""}
    )
    assert graph["portal.a"] == {"portal.b"}
