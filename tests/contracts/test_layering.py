"""Layers: services, selectors, the two pure cores and the pages never import DRF.

Errors leave those layers as Django's `ValidationError` or a `config.errors.DomainError`;
`config/api/exceptions.py` alone turns them into each contract's answer. The pure cores
(`clustering/engine/`, `datasets/ingest/`, `common/`) import neither Django nor DRF.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "clustering", "datasets", "profiles", "reports")
PURE_CORES = ("clustering/engine", "datasets/ingest", "common")


def _modules(*patterns: str) -> list[Path]:
    found: set[Path] = set()
    for app in APPS:
        for pattern in patterns:
            found.update((ROOT / app).glob(pattern))
    return sorted(path for path in found if path.suffix == ".py")


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    packages = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.split(".")[0])
    return packages


LAYER_MODULES = _modules(
    "services.py", "services/**/*.py", "selectors.py", "selectors/**/*.py", "pages/**/*.py"
)


def test_the_layer_globs_find_modules():
    names = {path.relative_to(ROOT).as_posix() for path in LAYER_MODULES}
    assert "datasets/services/__init__.py" in names
    assert "reports/selectors/__init__.py" in names
    assert any(name.startswith("profiles/pages/") for name in names)


@pytest.mark.parametrize("path", LAYER_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_services_selectors_and_pages_do_not_import_drf(path):
    assert "rest_framework" not in _imported_packages(path)


PURE_MODULES = sorted(path for core in PURE_CORES for path in (ROOT / core).rglob("*.py"))


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pure_cores_import_neither_django_nor_drf(path):
    assert not _imported_packages(path) & {"django", "rest_framework", "config"}
