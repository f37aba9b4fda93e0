"""docs/architecture.md's table "which module answers each endpoint" agrees with the URL
resolver: every API route is listed with the methods it serves and the module of the view that
answers it, and the table lists nothing that is not served."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.contracts.routes import api_routes, methods, view_class

ARCHITECTURE = Path(settings.BASE_DIR) / "docs" / "architecture.md"
ROW = re.compile(r"^\| (\S+) \| ([A-Z, ]+) \| `([^`]+)` \| `([^`]+)` \|$")
DOCUMENTS = {"000", "001", "002", "003", "004", "canonical"}
# A contract module answers its own document only (reports/api/views.py is not split yet).
MODULE_DOCUMENTS = {
    "workspace.py": "000",
    "analyze.py": "001",
    "v1.py": "002",
    "external.py": "003",
    "backend.py": "004",
    "canonical.py": "canonical",
}


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def table_rows(text: str) -> list[tuple[str, frozenset[str], str, str]]:
    """(document, methods, normalised path, module) of each row of the endpoint table."""
    rows = []
    for line in text.splitlines():
        match = ROW.match(line.strip())
        if match:
            document, verbs, path, module = match.groups()
            verbs = frozenset(verb.strip().lower() for verb in verbs.split(","))
            rows.append((document, verbs, _normalise(path), module))
    return rows


@pytest.fixture(scope="module")
def table() -> dict[str, tuple[str, frozenset[str], str]]:
    rows = table_rows(ARCHITECTURE.read_text())
    paths = [path for _, _, path, _ in rows]
    assert len(paths) == len(set(paths)), "A path is listed twice in the endpoint table."
    return {path: (document, verbs, module) for document, verbs, path, module in rows}


@pytest.fixture(scope="module")
def served() -> list[tuple[tuple[str, ...], frozenset[str], str]]:
    """(paths, methods, module file) of every API route."""
    routes = []
    for paths, callback in api_routes():
        module = view_class(callback).__module__.replace(".", "/") + ".py"
        routes.append((tuple(_normalise(p) for p in paths), frozenset(methods(callback)), module))
    return routes


def test_table_rows_are_read():
    text = "| 002 | GET, POST | `/api/v1/runs/{id}/` | `clustering/api/views/canonical.py` |"
    assert table_rows(text) == [
        ("002", frozenset({"get", "post"}), "/api/v1/runs/{}/", "clustering/api/views/canonical.py")
    ]


def test_every_api_route_is_in_the_table_with_its_methods_and_module(table, served):
    wrong = []
    for paths, verbs, module in served:
        listed = next((table[path] for path in paths if path in table), None)
        if listed is None:
            wrong.append(f"{paths[0]}: not in the table ({sorted(verbs)} -> {module})")
            continue
        _, listed_verbs, listed_module = listed
        if listed_verbs != verbs:
            wrong.append(f"{paths[0]}: served {sorted(verbs)}, listed {sorted(listed_verbs)}")
        if listed_module != module:
            wrong.append(f"{paths[0]}: answered by {module}, listed {listed_module}")
    assert not wrong, "docs/architecture.md's endpoint table is out of date:\n" + "\n".join(wrong)


def test_the_table_lists_only_served_routes(table, served):
    paths = {path for route_paths, _, _ in served for path in route_paths}
    phantom = sorted(path for path in table if path not in paths)
    assert not phantom, "The endpoint table lists routes that are not served:\n" + "\n".join(
        phantom
    )


def test_each_contract_module_answers_its_own_document(table):
    wrong = []
    for path, (document, _, module) in table.items():
        assert document in DOCUMENTS, f"{path}: unknown document {document!r}"
        expected = MODULE_DOCUMENTS.get(Path(module).name)
        if expected is not None and expected != document:
            wrong.append(f"{path}: {module} answers document {expected}, listed as {document}")
    assert not wrong, "\n".join(wrong)
