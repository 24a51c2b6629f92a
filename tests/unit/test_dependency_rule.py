"""Imports point one way (DESIGN.md §2): the service package does not depend on a loader.

Only the composition root, ``topology/cli.py``, may use ``loaders``, and only inside the
functions that build a command (so that ``import topology.cli`` loads no loader). The one
exception is the event handlers' side of ``topology/events``: handlers build objects with
the loaders' own transforms (DESIGN.md §2: an event-made node and a scanned one are made by
the same function), so they import them; the listener's delivery, figures and the API's
use of them do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from loaders.calipso.reader import CalipsoExportError
from topology.cliques.definitions import CliqueDefinitionError
from topology.cliques.service import CliqueLookupError
from topology.config import ConfigError
from topology.errors import UserError
from topology.neo4j_local import Neo4jLocalError
from topology.store import StoreUnavailableError

PACKAGE = Path(__file__).resolve().parents[2] / "topology"
COMPOSITION_ROOT = PACKAGE / "cli.py"
EVENT_HANDLERS = (PACKAGE / "events" / "handlers", PACKAGE / "events" / "building.py",
                  PACKAGE / "events" / "instance_news.py")


def _shares_transforms(path: Path) -> bool:
    return any(path == allowed or allowed in path.parents for allowed in EVENT_HANDLERS)


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def _is_loader(module: str) -> bool:
    return module == "loaders" or module.startswith("loaders.")


def _loader_imports(tree: ast.Module) -> list[tuple[int, str, bool]]:
    """(line, module, inside a function) of every import of ``loaders`` in the tree."""
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for module in _imported_modules(node):
            if _is_loader(module):
                found.append((node.lineno, module, in_function))  # type: ignore[attr-defined]
        nested = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(tree, False)
    return found


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_service_module_imports_a_loader() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20  # the walk reaches the whole package
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
                 for path in files if path != COMPOSITION_ROOT and not _shares_transforms(path)
                 for line, module, _lazy in _loader_imports(_parse(path))]
    assert offenders == []


def test_the_cli_imports_loaders_only_lazily() -> None:
    imports = _loader_imports(_parse(COMPOSITION_ROOT))
    assert imports, "the CLI builds the Calipso import, so the walk must find its imports"
    assert [(line, module) for line, module, lazy in imports if not lazy] == []


def test_the_walk_sees_imports_at_every_depth() -> None:
    tree = ast.parse("import loaders.calipso\n"
                     "def f():\n    if True:\n        from loaders import calipso\n"
                     "from loadersx import y\nfrom topology import loaders_x\n")
    assert _loader_imports(tree) == [(1, "loaders.calipso", False), (4, "loaders", True)]


@pytest.mark.parametrize("error", [CalipsoExportError, CliqueDefinitionError,
                                   CliqueLookupError, ConfigError, Neo4jLocalError,
                                   StoreUnavailableError])
def test_user_facing_errors_share_the_base_the_cli_catches(error: type[Exception]) -> None:
    assert issubclass(error, UserError)
