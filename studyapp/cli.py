"""The `studyapp` command: a thin click layer over the domain modules.

Exit codes: 0 ok, 1 a problem was found (bad deck file, database error),
2 usage. Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from studyapp import __version__, sm2
from studyapp.deckfile import Problem, check_paths
from studyapp.locations import DB_ENV, default_db_path
from studyapp.store import Store, StoreError


class Context:
    """What every command shares: where the database is, opened on first use."""

    def __init__(self, db_path: Path | None, rollover_hour: int):
        self.db_path = db_path or default_db_path()
        self.rollover_hour = rollover_hour
        self._store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            if not self.db_path.parent.is_dir():
                # A typo in --db must not quietly start a new, empty database elsewhere.
                raise StoreError(f"{self.db_path.parent}: no such folder for the database")
            self._store = Store.open(self.db_path)
        return self._store

    def today(self):
        return sm2.study_day(datetime.now(), self.rollover_hour)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


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


def fail(message: str) -> None:
    click.echo(f"studyapp: {message}", err=True)
    sys.exit(1)


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
        _run_app(ctx.obj, start="home")


def _run_app(context: Context, start: str, **review) -> None:
    from studyapp.ui.app import run  # the UI loads only when it is used

    try:
        run(context.store(), start=start, rollover_hour=context.rollover_hour, **review)
    except StoreError as exc:
        fail(str(exc))


@cli.command()
@click.option("--deck", "deck_id", metavar="ID", help="Only this deck (its id).")
@click.option("--tag", metavar="TAG", help="Only this tag and its children, e.g. mechanism::sea.")
@click.option(
    "--cram",
    is_flag=True,
    help="Study ahead without changing the schedule (answers are logged as cram).",
)
@click.option(
    "--ahead",
    type=click.IntRange(0, 3650),
    metavar="DAYS",
    help="With --cram: everything due in the next DAYS days.",
)
@click.option(
    "--weak",
    is_flag=True,
    help="Weak spots: the cards with the lowest EF or most lapses (schedule untouched).",
)
@click.pass_obj
def review(
    context: Context,
    deck_id: str | None,
    tag: str | None,
    cram: bool,
    ahead: int | None,
    weak: bool,
) -> None:
    """Open the app straight into reviewing what is due (or cramming, or weak spots)."""
    from studyapp.session import Scope

    if cram and weak:
        raise click.UsageError("choose --cram or --weak, not both")
    if ahead is not None and not cram:
        raise click.UsageError("--ahead goes with --cram")
    mode = "cram" if cram else "weak" if weak else "scheduled"
    _run_app(
        context, start="review", scope=Scope(deck_id=deck_id, tag=tag), mode=mode, ahead_days=ahead
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate deck files and folders; one line per problem."""
    decks, problems = check_paths(paths)
    if problems:
        print_problems(problems)
        click.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)} found", err=True)
        sys.exit(1)
    cards = sum(len(d.cards) for d in decks)
    click.echo(f"ok: {len(decks)} deck{'s' * (len(decks) != 1)}, {cards} cards")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def import_(context: Context, paths: tuple[Path, ...]) -> None:
    """Validate, then import deck files into the database (all or nothing)."""
    with working("Checking deck files"):
        decks, problems = check_paths(paths)
    if problems:
        print_problems(problems)
        fail("nothing imported")
    try:
        with working(f"Importing {sum(len(d.cards) for d in decks)} cards"):
            report = context.store().import_decks(decks)
    except StoreError as exc:
        fail(f"{exc}; nothing imported")
    for changes in report.decks:
        click.echo(changes.summary())


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
@click.pass_obj
def decks(context: Context, as_json: bool) -> None:
    """List decks with total / new / due-today counts."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    try:
        counts = context.store().deck_counts(context.today())
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        rows = [
            {"id": d.id, "name": d.name, "total": d.total, "new": d.new, "due_today": d.due}
            for d in counts
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not counts:
        click.echo(
            "No decks yet: run `studyapp` (it loads the bundled decks) or `studyapp import PATH`."
        )
        return
    table = Table(box=None, pad_edge=False)
    table.add_column("Deck")
    table.add_column("ID", style="dim")
    for column in ("Total", "New", "Due"):
        table.add_column(column, justify="right")
    for deck in counts:
        table.add_row(Text(deck.name), Text(deck.id), str(deck.total), str(deck.new), str(deck.due))
    Console(soft_wrap=True).print(table)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def stats(context: Context, as_json: bool) -> None:
    """Progress: counts, forecast, heatmap, retention, mastery by topic, leeches."""
    from studyapp import stats as stats_module

    try:
        store = context.store()
        today = context.today()
        summary = store.summary(today)
        figures = stats_module.compute(store, today)
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps({**summary, **figures.to_json()}, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.rule import Rule

    from studyapp.report import sections

    console = Console(soft_wrap=False)
    console.print(
        f"[b]Cards[/b] {summary['cards']}   [b]New[/b] {summary['new']}   "
        f"[b]Due today[/b] {summary['due_today']}   "
        f"[b]Reviews logged[/b] {summary['reviews']}"
    )
    for title, renderable in sections(figures):
        console.print(Rule(title, align="left", style="grey42"))
        console.print(renderable)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="The .apkg file to write.",
)
@click.option(
    "--with-progress",
    is_flag=True,
    help="Include your SM-2 progress and review log, so Anki continues from it.",
)
@click.pass_obj
def export(context: Context, paths: tuple[Path, ...], out: Path, with_progress: bool) -> None:
    """Export decks to an Anki package (.apkg).

    With PATHS, exports those deck files and folders; without, every deck in the database.
    """
    from studyapp.export import ExportError, decks_from_files, decks_from_store, export_to_file

    out = out.expanduser()
    if out.suffix.lower() != ".apkg":
        out = out.with_name(out.name + ".apkg")
    if not out.parent.is_dir():
        fail(f"{out.parent}: no such folder")
    try:
        if paths:
            decks, problems = check_paths(paths)
            if problems:
                print_problems(problems)
                fail("nothing exported")
            selected = decks_from_files(decks)
        else:
            selected = decks_from_store(context.store())
            if not selected:
                fail("no decks in the database; import some or name deck files to export")
        with working(f"Writing {out.name}"):
            result = export_to_file(
                context.store(),
                selected,
                out,
                with_progress=with_progress,
                rollover_hour=context.rollover_hour,
            )
    except (StoreError, ExportError) as exc:
        fail(str(exc))
    line = (
        f"Exported {result.decks} deck{'s' * (result.decks != 1)}, {result.notes} notes "
        f"({result.cards} cards) to {result.path}"
    )
    if with_progress:
        line += (
            f"; progress for {result.cards_with_progress} cards, "
            f"{result.revlog_rows} review-log rows"
        )
    click.echo(line)


# ignore_unknown_options: `settings new_per_day -5` is a value to check, not an option.
@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("name", required=False)
@click.argument("value", required=False)
@click.pass_obj
def settings(context: Context, name: str | None, value: str | None) -> None:
    """Show settings, or set one: `studyapp settings new_per_day 30`.

    A deck's own daily limit: `studyapp settings new_per_day.DECK-ID 5` (`default` removes it).
    """
    from studyapp.settings import (
        DECK_LIMIT_PREFIX,
        SETTING_HELP,
        load_settings,
        save_setting,
        setting_names,
        shown_value,
    )

    try:
        store = context.store()
        current = load_settings(store)
        if name is None:
            for key in setting_names():
                line = f"{key} = {shown_value(getattr(current, key))}"
                click.echo(f"{line:<32}  # {SETTING_HELP[key]}")
            for deck_id, limit in sorted(current.deck_new_per_day.items()):
                click.echo(f"{DECK_LIMIT_PREFIX}{deck_id} = {limit}")
            return
        per_deck = name.startswith(DECK_LIMIT_PREFIX)
        if name not in setting_names() and not per_deck:
            fail(f"unknown setting '{name}' (known: {', '.join(setting_names())})")
        if value is None:
            shown = (
                current.new_per_day_for(name[len(DECK_LIMIT_PREFIX) :])
                if per_deck
                else getattr(current, name)
            )
            click.echo("default" if shown is None else shown_value(shown))
            return
        save_setting(store, name, value)
    except StoreError as exc:
        fail(str(exc))
    click.echo(f"{name} = {value}")


@cli.command("more-new")
@click.argument("count", type=click.IntRange(1, 9999))
@click.pass_obj
def more_new(context: Context, count: int) -> None:
    """Study COUNT more new cards today than the limits allow (Anki's Custom Study)."""
    from studyapp.settings import extend_new_cards

    try:
        total = extend_new_cards(context.store(), context.today(), count)
    except StoreError as exc:
        fail(str(exc))
    click.echo(f"Today's new-card limits are raised by {total}; tomorrow the usual ones apply.")


def main() -> None:
    try:
        cli(prog_name="studyapp")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
