"""The architecture's rules, checked on the source: who may import what, and what runtime code may read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qa"
MODULES = sorted(PACKAGE.rglob("*.py"))
UI = [p for p in MODULES if p.parent == PACKAGE / "ui"]
ADAPTERS = set(UI) | {PACKAGE / "cli.py"}
FORBIDDEN_IN_UI = {"qa.store", "qa.retrieve", "qa.llm", "qa.followup", "sqlite3", "chromadb"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", UI, ids=_name)
def test_ui_talks_only_to_the_conversation_and_the_library(path):
    imports = imported_modules(path)
    bad = sorted(m for m in imports if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_IN_UI))
    assert not bad, f"{_name(path)} imports {bad}"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reaches = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in {"store", "retriever"}]
    assert not reaches, f"{_name(path)} reaches into .store/.retriever on lines {reaches}"


@pytest.mark.parametrize("path", [p for p in MODULES if p not in ADAPTERS], ids=_name)
def test_the_core_never_imports_an_adapter(path):
    imports = imported_modules(path)
    bad = sorted(m for m in imports if m.startswith(("qa.ui", "qa.cli")))
    assert not bad, f"{_name(path)} imports {bad}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_runtime_code_never_reads_the_tests_folder(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("tests/"):
            # Help texts may name the project's own files; paths used at run time may not.
            assert "(" in node.value or " " in node.value, f"{_name(path)} line {node.lineno} uses {node.value!r}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_every_module_opens_with_a_one_line_summary(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc and doc.splitlines()[0].strip(), f"{_name(path)} has no opening docstring"


def test_quote_exactness_is_compared_in_one_place():
    """`text[start:end] == quote` appears once, in qa/citations.py (the harness keeps its own on purpose)."""
    offenders = []
    for path in MODULES:
        if path in {PACKAGE / "citations.py", PACKAGE / "eval" / "metrics.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(isinstance(side, ast.Subscript) and isinstance(side.slice, ast.Slice)
                                                     for side in [node.left, *node.comparators]):  # fmt: skip
                names = ast.unparse(node)
                if "quote" in names or ".text" in names:
                    offenders.append(f"{_name(path)}:{node.lineno}: {names}")
    assert not offenders, "\n".join(offenders)


def test_prompts_are_found_in_the_checkout_and_declared_for_the_wheel():
    import tomllib

    from qa import prompts

    assert prompts.prompts_dir() in {prompts.CHECKOUT_DIR, prompts.PACKAGED_DIR}
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["qa._prompts"] == "prompts"
    assert "qa._prompts" in config["packages"]
    assert {p.name for p in (ROOT / "prompts").glob("*.txt")} >= {"answer.txt", "judge.txt", "followup.txt"}
    found = {str(p.relative_to(PACKAGE)).split("/")[0] for p in PACKAGE.rglob("__init__.py")}
    assert {p.split(".")[1] for p in config["packages"] if "." in p} - {"_prompts"} == found - {"__init__.py"}
