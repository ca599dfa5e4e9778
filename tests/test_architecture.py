"""Domain modules never import the UI (or UI libraries): checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

# The domain is every module but the UI, the CLI and the report that draws for both: found,
# not listed, so a new module is held to the rule the day it is written.
NOT_DOMAIN = ("studyapp.ui", "studyapp.cli", "studyapp.report", "studyapp.__main__")


def domain_modules() -> list[str]:
    import pkgutil

    import studyapp

    names = [m.name for m in pkgutil.walk_packages(studyapp.__path__, "studyapp.")]
    return sorted(n for n in names if not n.startswith(NOT_DOMAIN))


def loaded_after_import(*modules: str) -> set[str]:
    code = f"import sys, json, {', '.join(modules)}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_the_domain_is_found_in_its_packages():
    found = domain_modules()
    for module in (
        "studyapp.study.sm2",
        "studyapp.deckfile.reader",
        "studyapp.store.reviews",
        "studyapp.anki.convert",
        "studyapp.memory.model",
        "studyapp.sync.folder",
    ):
        assert module in found
    assert not [m for m in found if m.startswith(("studyapp.ui", "studyapp.cli"))]


def test_the_domain_loads_no_ui_in_a_fresh_interpreter():
    loaded = loaded_after_import(*domain_modules())
    assert not {m for m in loaded if m.startswith(("textual", "studyapp.ui", "studyapp.cli"))}
    assert "studyapp.report" not in loaded


def test_sm2_is_pure():
    loaded = loaded_after_import("studyapp.study.sm2")
    banned = ("textual", "rich", "sqlite_utils", "genanki", "click", "sqlite3")
    assert not {m for m in loaded if m.split(".")[0] in banned}


def test_review_rules_are_pure():
    """The leech rule and which answers reschedule: plain values in, no SQL, no project."""
    loaded = loaded_after_import("studyapp.study.review_rules")
    banned = ("textual", "rich", "sqlite_utils", "genanki", "click", "sqlite3")
    assert not {m for m in loaded if m.split(".")[0] in banned}
    # Its package's __init__ is a docstring; nothing else of the project comes along.
    assert {m for m in loaded if m.startswith("studyapp.")} == {
        "studyapp.study",
        "studyapp.study.review_rules",
    }


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
