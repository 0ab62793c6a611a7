"""Imports follow README.md (Architecture): data flows one way and the pure core stays pure."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

OURS = {"audit", "vision", "web", "schedules", "models", "deskaudit"}
ALLOWED = {  # package → our packages it may import
    "vision": set(),
    "models": set(),
    "audit": {"models"},
    "schedules": {"vision", "models", "audit"},
    "web": {"models", "audit", "vision"},  # vision: only the narrow snapshot/URL helpers
    "deskaudit": OURS,  # the composition root
}
FORBIDDEN_THIRD_PARTY = {
    "vision": {"sqlalchemy", "alembic", "flask", "apscheduler", "pandas"},
    "models": {"cv2", "ultralytics", "torch", "flask", "apscheduler"},
    "audit": {"cv2", "ultralytics", "torch", "flask", "apscheduler"},
    "web": {"apscheduler", "ultralytics", "torch"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_style_allows(package):
    problems = []
    for path in sorted((REPO / package).rglob("*.py")):
        for name in _imports(path):
            if name in OURS and name != package and name not in ALLOWED[package]:
                problems.append(f"{path.relative_to(REPO)} imports {name}")
            if name in FORBIDDEN_THIRD_PARTY.get(package, set()):
                problems.append(f"{path.relative_to(REPO)} imports {name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package, must_not_load", [
    ("vision", {"sqlalchemy", "flask", "apscheduler", "models", "web", "schedules"}),
    ("models", {"cv2", "torch", "ultralytics", "flask", "vision", "web"}),
    ("web", {"torch", "ultralytics", "apscheduler", "schedules"}),
])
def test_importing_a_package_loads_nothing_forbidden(package, must_not_load):
    """What actually gets imported at run time (catches indirect imports the AST scan cannot see)."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted({n.split('.')[0] for n in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert not (loaded & must_not_load), f"{package} loaded {sorted(loaded & must_not_load)}"


PURE_CORE = ("audit/rules",)  # the audit's pure rules: no database, files, web or clock
PURE_MAY_IMPORT = {"models.enums"}  # the closed vocabularies, plain enums


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("folder", PURE_CORE)
def test_the_pure_core_imports_no_database_and_no_outer_layer(folder):
    problems = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for name in _imported_modules(path):
            top = name.split(".")[0]
            if top in OURS and not name.startswith(folder.replace("/", ".")) and name not in PURE_MAY_IMPORT:
                problems.append(f"{path.relative_to(REPO)} imports {name}")
            if top in {"sqlalchemy", "flask", "cv2", "openpyxl", "fpdf", "apscheduler"}:
                problems.append(f"{path.relative_to(REPO)} imports {name}")
    assert not problems, "\n".join(problems)


def test_importing_the_pure_core_loads_no_database():
    code = (
        "import importlib, pkgutil, sys\n"
        "import audit.rules as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'): importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted({n.split('.')[0] for n in sys.modules} | set(sys.modules))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert not loaded & {"sqlalchemy", "flask", "cv2", "models.db", "models.org"}, sorted(loaded)
