"""Data down, messages up: only the app reads its store and settings; every screen, dialog
and widget is handed what it shows (studyapp/ui/context.py) and posts messages up."""

from __future__ import annotations

import ast
from pathlib import Path

import studyapp.ui

UI = Path(studyapp.ui.__file__).parent
# What only the app may read off itself: a screen gets them from its context.
APP_OWNED = {"store", "settings"}


def reaches_into_app(tree: ast.AST) -> list[int]:
    """Lines reading `app.store`/`app.settings` (also `self.app.…`, `screen.app.…`, and
    `getattr(app, "store")`)."""

    def is_app(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id == "app") or (
            isinstance(node, ast.Attribute) and node.attr == "app"
        )

    def reads_app_owned(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr in APP_OWNED and is_app(node.value)
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and is_app(node.args[0])
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in APP_OWNED
        )

    return sorted(node.lineno for node in ast.walk(tree) if reads_app_owned(node))


def test_the_check_sees_each_way_of_reaching_in():
    code = (
        "a = self.app.store\n"
        "b = app.settings.new_per_day\n"
        "c = screen.app.store.item(1)\n"
        "d = getattr(self.app, 'settings')\n"
        "e = self.store.item(1)\n"  # the screen's own attribute: fine
        "f = ('app.settings', 'settings')\n"  # an action's name: fine
    )
    assert reaches_into_app(ast.parse(code)) == [1, 2, 3, 4]


def test_no_module_under_ui_but_the_app_reads_the_apps_store_or_settings():
    offenders = [
        f"{path.relative_to(UI)}:{line}"
        for path in sorted(UI.rglob("*.py"))
        if path != UI / "app.py"
        for line in reaches_into_app(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []
