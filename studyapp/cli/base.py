"""What every `studyapp` command shares: the group, its context, one-line failures.

Exit codes: 0 ok, 1 a problem was found (bad deck file, database error),
2 usage. Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from studyapp import __version__
from studyapp.locations import DB_ENV, default_db_path
from studyapp.sanitize import one_line
from studyapp.store import DatabaseError, InputError, Store
from studyapp.study import sm2

if TYPE_CHECKING:
    # The deck-file reader (tomllib, its regexes) loads with the commands that read decks.
    from studyapp.deckfile.reader import Problem


class Context:
    """What every command shares: where the database is, opened on first use."""

    def __init__(self, db_path: Path | None, rollover_hour: int):
        self.db_path = db_path or default_db_path()
        # A database the student named (--db, $STUDYAPP_DB) must be in a folder that
        # exists; the default one, in the user data folder, is made on the first run.
        self.db_path_named = db_path is not None or bool(os.environ.get(DB_ENV))
        self.rollover_hour = rollover_hour
        self._store: Store | None = None
        self.startup_message: str | None = None

        self._set_up = False

    def store(self) -> Store:
        """The database as it is, opened on first use (managing decks and backups)."""
        if self._store is None:
            if self.db_path_named and not self.db_path.parent.is_dir():
                # A typo in --db must not quietly start a new, empty database elsewhere.
                raise DatabaseError(f"{self.db_path.parent}: no such folder for the database")
            self._store = Store.open(self.db_path)
        return self._store

    def study_store(self) -> Store:
        """The database set up for studying, as the app's factory does it: the bundled
        decks brought in step first, so a command naming a bundled deck or tag finds it
        on a fresh database as the app would."""
        store = self.store()
        if not self._set_up:
            from studyapp.bundled import set_up_store

            self.startup_message = set_up_store(store)
            self._set_up = True
        return store

    def error_line(self, exc: sqlite3.Error) -> str:
        """One line for a database error that escaped a command: the file, and what to do."""
        if self._store is not None:
            return self._store.note_error(exc)
        return f"{self.db_path}: {exc}"

    def today(self) -> date:
        return sm2.study_day(datetime.now(), self.rollover_hour)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


# JSON escapes C0 controls itself; DEL and the C1 controls (an 8-bit CSI) it leaves raw.
_RAW_IN_JSON_RE = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def json_text(value: object) -> str:
    """`value` as indented JSON that cannot drive a terminal: every control escaped."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(one_line(f"studyapp: {message}"), err=True)
    sys.exit(code)


class GuardedGroup(click.Group):
    """Every command's database errors and refused input end as one line and exit 1,
    never a traceback; commands need no `try` of their own for them."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (DatabaseError, InputError) as exc:
            fail(str(exc))
        except sqlite3.Error as exc:
            context = ctx.obj if isinstance(ctx.obj, Context) else None
            fail(context.error_line(exc) if context else str(exc))


@contextmanager
def working(label: str) -> Iterator[None]:
    """A Rich progress bar on stderr while long work runs, when it is a terminal;
    nothing at all when piped."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        progress.add_task(label, total=None)
        yield


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(one_line(str(problem)), err=True)  # quotes deck text


@click.group(
    cls=GuardedGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Database file (default: ${DB_ENV}, else your user data folder).",
)
@click.option(
    "--rollover-hour",
    type=click.IntRange(0, 23),
    default=4,
    show_default=True,
    help="Hour (local time) at which a new study day starts.",
)
@click.version_option(__version__, prog_name="studyapp")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, rollover_hour: int) -> None:
    """Spaced-repetition flashcards in your terminal (SM-2).

    Run without a command to open the app.
    """
    ctx.obj = Context(db_path, rollover_hour)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        run_app(ctx.obj, start="home")


def run_app(context: Context, start: str, **review: object) -> None:
    from studyapp.ui.app import run  # the UI loads only when it is used

    store = context.study_store()
    code = run(
        store,
        start=start,
        rollover_hour=context.rollover_hour,
        sync_bundled=False,  # done by context.study_store()
        startup_message=context.startup_message,
        **review,
    )
    if code:
        sys.exit(code)
