"""One word for what a student reviews: "card" on every screen, in every command and in the
README (a reversed card is two). "Study item" stays an internal name (docstrings, ids)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Where the student reads: the screens, the commands, the figures and the set-up line.
SHOWN = [
    *sorted((ROOT / "studyapp" / "ui").rglob("*.py")),
    *sorted((ROOT / "studyapp" / "cli").rglob("*.py")),
    ROOT / "studyapp" / "report.py",
    ROOT / "studyapp" / "bundled.py",
]


def shown_strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module (f-strings' text too) that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_screen_or_command_says_study_item() -> None:
    said = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in SHOWN
        for line, text in shown_strings(path)
        if "study item" in text.lower()
    ]
    assert said == []


def test_the_readme_says_card_not_study_item() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "study item" not in readme.lower()


def test_the_scan_sees_words_inside_f_strings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""A study item."""\nn = 2\nx = f"{n} study items"\n', encoding="utf-8")
    assert [text for _, text in shown_strings(module)] == [" study items"]
