"""The phone carries no pandas or scipy: the app imports only the standard-library modules
of the analysis package (replay of field-tool files, a desktop feature, is the exception)."""

from __future__ import annotations

import ast
from pathlib import Path

MOBILE = Path(__file__).resolve().parents[2] / "mobile"
ALLOWED = {"analysis.schema", "analysis.classes"}
DESKTOP_ONLY = {("sensors/replay.py", "analysis.readers")}


def test_mobile_imports_only_the_phone_safe_analysis_modules() -> None:
    found = set()
    for path in MOBILE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
                found.add(
                    (
                        path.relative_to(MOBILE / "petasinyal_app").as_posix()
                        if "petasinyal_app" in path.parts
                        else path.name,
                        node.module,
                    )
                )
    assert found, "the app should use the shared record"
    assert {m for f, m in found if (f, m) not in DESKTOP_ONLY} <= ALLOWED


def test_phone_safe_modules_use_the_standard_library_only() -> None:
    import sys

    root = MOBILE.parent / "analysis"
    for name in ("schema.py", "classes.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = (
                    node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                ) or ""
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or module in ALLOWED or top == "__future__", (
                    f"{name} imports {module}"
                )
