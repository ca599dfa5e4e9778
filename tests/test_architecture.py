"""Domain modules never import the UI (or UI libraries): checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DOMAIN = [
    "studyapp.study.sm2",
    "studyapp.deckfile.reader",
    "studyapp.cardtext",
    "studyapp.store",
    "studyapp.study.session",
    "studyapp.study.exam",
    "studyapp.study.exam_forecast",
    "studyapp.bundled",
    "studyapp.locations",
    "studyapp.lint",
    "studyapp.anki",
    "studyapp.anki.convert",
]


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_does_not_load_ui(module):
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m.startswith(("textual", "studyapp.ui"))}


def test_sm2_is_pure():
    loaded = loaded_after_import("studyapp.study.sm2")
    banned = ("textual", "rich", "sqlite_utils", "genanki", "click", "sqlite3")
    assert not {m for m in loaded if m.split(".")[0] in banned}


def test_review_rules_are_pure():
    """The leech rule and which answers reschedule: plain values in, no SQL, no project."""
    loaded = loaded_after_import("studyapp.study.review_rules")
    banned = ("textual", "rich", "sqlite_utils", "genanki", "click", "sqlite3")
    assert not {m for m in loaded if m.split(".")[0] in banned}
    assert {m for m in loaded if m.startswith("studyapp.")} == {"studyapp.study.review_rules"}


def test_only_the_store_runs_sql_on_its_connection():
    """Queries live in studyapp/store; the rest of the package asks the store's methods."""
    import re
    from pathlib import Path

    import studyapp

    package = Path(studyapp.__file__).parent
    reaching = re.compile(r"\bstore\.conn\b|PRAGMA database_list")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if "store" not in path.relative_to(package).parts[:1]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reaching.search(line)
    ]
    assert offenders == []


def test_no_deferred_import_of_a_module_already_imported_at_the_top():
    """An import inside a function defers loading; of a module the file imports at the
    top anyway it defers nothing and only hides the dependency."""
    import ast
    from pathlib import Path

    import studyapp

    package = Path(studyapp.__file__).parent
    found = set()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
        top |= {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                found |= {(str(path.relative_to(package)), n) for n in names if n in top}
    assert found == set()
