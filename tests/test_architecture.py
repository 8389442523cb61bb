"""The layer contract's blind spot, checked: imports hidden inside functions.

``lint-imports`` (``[tool.importlinter]`` in pyproject.toml) sees every import, but a
function-local one is how a cycle gets dodged instead of answered (docs/architecture.md).
Project modules are imported at module top, except in ``AppConfig.ready`` (apps connect their
receivers there, once every app is loaded) and in migrations.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("chatcore", "messages_app", "tags_app", "convos_app", "config")


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return ["." if node.level else (node.module or "")]
    return [alias.name for alias in node.names]


def _function_local_project_imports(source: str, name: str) -> list[str]:
    tree = ast.parse(source, filename=name)
    found: list[str] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function not in (None, "ready"):
                for module in _imported_modules(child):
                    if module == "." or module.split(".")[0] in PROJECT_PACKAGES:
                        found.append(f"{name}:{child.lineno} {module}")
            else:
                visit(child, function)

    visit(tree, None)
    return found


def test_project_modules_are_imported_at_module_top_outside_app_ready():
    sources = [
        path
        for package in PROJECT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert len(sources) > 50  # the walk found the code, not an empty folder
    offenders = [
        hit
        for path in sources
        for hit in _function_local_project_imports(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert offenders == []


def test_the_check_catches_function_local_project_imports_but_not_ready_or_third_party():
    source = (
        "import json\n"
        "def f():\n"
        "    from convos_app.models import Conversation\n"
        "    import django.db\n"
        "class Config:\n"
        "    def ready(self):\n"
        "        from messages_app.signals import reply_saved\n"
        "    def other(self):\n"
        "        from . import sibling\n"
    )
    assert _function_local_project_imports(source, "probe.py") == [
        "probe.py:3 convos_app.models",
        "probe.py:9 .",
    ]
