"""The `studyapp` command: a thin click layer over the domain modules.

Exit codes: 0 ok, 1 a problem was found (bad deck file, database error),
2 usage. Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from studyapp import __version__, sm2
from studyapp.deckfile import Problem, check_paths
from studyapp.locations import DB_ENV, default_db_path
from studyapp.sanitize import one_line
from studyapp.store import Store, StoreError

if TYPE_CHECKING:
    from studyapp.anki.convert import Conversion
    from studyapp.deckfile import Deck


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


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(one_line(f"studyapp: {message}"), err=True)
    sys.exit(code)


class GuardedGroup(click.Group):
    """Every command's database errors end as one line and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
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
        click.echo(str(problem), err=True)


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
        _run_app(ctx.obj, start="home")


def _run_app(context: Context, start: str, **review: object) -> None:
    from studyapp.ui.app import run  # the UI loads only when it is used

    try:
        code = run(context.store(), start=start, rollover_hour=context.rollover_hour, **review)
    except StoreError as exc:
        fail(str(exc))
    if code:
        sys.exit(code)


@cli.command()
@click.option("--deck", "deck_id", metavar="ID", help="Only this deck (its id).")
@click.option(
    "--tag", metavar="TAG", help="Only this tag and its children, e.g. mechanism::pain-modulation."
)
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
    _check_scope(context.store(), deck_id, tag)
    _run_app(
        context, start="review", scope=Scope(deck_id=deck_id, tag=tag), mode=mode, ahead_days=ahead
    )


def _known(values: list[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit]) + (", …" if len(values) > limit else "")
    return shown or "none"


def _check_scope(store: Store, deck_id: str | None, tag: str | None) -> None:
    """An unknown --deck or --tag is a usage error (exit 2), before the app opens."""
    if deck_id is not None:
        decks = list(store.deck_names())
        if deck_id not in decks:
            fail(f"no deck with id '{deck_id}' (known: {_known(decks)})", code=2)
    if tag is not None:
        tags = sorted(name for name, _ in store.tag_counts())
        if tag not in tags:
            fail(f"no cards tagged '{tag}' (known: {_known(tags)})", code=2)


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


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Findings as JSON on stdout.")
def lint(paths: tuple[Path, ...], as_json: bool) -> None:
    """Card-quality findings for tutors: one `path:line: card: rule: severity: message` each.

    Exit 1 on any error (or an invalid deck file), 0 when there are only warnings.
    """
    from studyapp.lint import lint_paths

    report = lint_paths(paths)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for finding in report.findings:
            click.echo(str(finding))
    print_problems(report.problems)
    errors, warnings = report.count("error"), report.count("warning")
    if not as_json:
        cards = sum(len(d.cards) for d in report.decks)
        summary = (
            f"{errors} error{'s' * (errors != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)} in {cards} cards"
        )
        if report.problems:
            n = len(report.problems)
            summary += f"; {n} problem{'s' * (n != 1)} in invalid files"
        click.echo(summary, err=bool(report.findings or report.problems))
    if report.failed:
        sys.exit(1)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def import_(context: Context, paths: tuple[Path, ...]) -> None:
    """Validate, then import deck files into the database (all or nothing).

    Anki packages (.apkg, .colpkg) and text files of notes (.txt, .csv, .tsv) are
    converted on the way in, as `studyapp convert` does.
    """
    from studyapp.anki.convert import is_convertible

    sources = [p for p in paths if p.is_file() and is_convertible(p)]
    with working("Checking deck files"):
        decks, problems = check_paths([p for p in paths if p not in sources])
    if problems:
        print_problems(problems)
        fail("nothing imported")
    conversion = None
    if sources:
        conversion, converted = _convert(sources)
        decks = [*decks, *converted]
    try:
        with working(f"Importing {sum(len(d.cards) for d in decks)} cards"):
            report = context.store().import_decks(decks)
        from studyapp.anki.convert import copy_deck_media

        copy_deck_media(context.store(), decks, conversion)
    except StoreError as exc:
        fail(f"{exc}; nothing imported")
    except OSError as exc:
        fail(f"cannot copy media files: {exc.strerror or exc}")
    for changes in report.decks:
        click.echo(one_line(changes.summary()))


def _convert(sources: list[Path]) -> tuple[Conversion, list[Deck]]:
    """The sources as decks, validated as `studyapp check` would; any problem ends here."""
    from studyapp.anki.apkg_reader import PackageError
    from studyapp.anki.convert import convert_sources, validated_decks
    from studyapp.deckfile import DeckFileError

    try:
        conversion = convert_sources(sources)
        return conversion, validated_decks(conversion)
    except PackageError as exc:
        fail(f"{exc}; nothing written")
    except DeckFileError as exc:
        print_problems(exc.problems)
        fail("nothing written")
    raise AssertionError("unreachable: fail() exits")


@cli.command()
@click.argument(
    "sources", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the deck files (one per deck) and their media/.",
)
def convert(sources: tuple[Path, ...], out: Path) -> None:
    """Convert Anki packages (.apkg, .colpkg) and text files of notes (Anki's "Notes in
    Plain Text" .txt, or CSV/TSV of front and back) into deck files."""
    from studyapp.anki.convert import report_lines, write_decks

    conversion, _decks = _convert(list(sources))
    try:
        written = write_decks(conversion, out)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    cards = sum(len(d.cards) for d in conversion.decks)
    line = f"Wrote {len(written)} deck file{'s' * (len(written) != 1)} ({cards} cards) to {out}"
    if conversion.media:
        line += f", {len(conversion.media)} media files to {out / 'media'}"
    click.echo(line)
    for report in report_lines(conversion):
        click.echo(report)


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
        table.add_row(
            Text(one_line(deck.name)),
            Text(one_line(deck.id)),
            str(deck.total),
            str(deck.new),
            str(deck.due),
        )
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
        from studyapp.exam_forecast import exam_json
        from studyapp.settings import load_settings

        try:
            exams = exam_json(store, today, load_settings(store).new_per_day)
        except StoreError as exc:
            fail(str(exc))
        out = {**summary, **figures.to_json(), "exams": exams}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
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
@click.argument("when", metavar="DATE", required=False)
@click.option("--deck", "deck_ids", multiple=True, metavar="ID", help="A deck it covers (repeat).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag it covers (repeat).")
@click.option("--name", help="What to call it (default: its deck or tag).")
@click.option("--remove", metavar="NAME", help="Forget the exam of this name.")
@click.pass_obj
def exam(
    context: Context,
    when: str | None,
    deck_ids: tuple[str, ...],
    tags: tuple[str, ...],
    name: str | None,
    remove: str | None,
) -> None:
    """Set an exam (DATE as YYYY-MM-DD; all decks unless --deck/--tag), list them, or remove one.

    New cards of its scope are paced to be seen a margin before it (the
    exam_margin_days setting), and every card comes up once in that final window.
    """
    from studyapp.exam import parse_exam_date, set_exam
    from studyapp.exam_forecast import report_lines
    from studyapp.settings import load_settings

    if remove and (when or deck_ids or tags or name):
        raise click.UsageError("--remove goes alone")
    if not when and (deck_ids or tags or name):
        raise click.UsageError("give the exam's DATE")
    try:
        store = context.store()
        today = context.today()
        if remove:
            if not store.remove_exam(remove):
                fail(f"no exam named {remove!r}")
            click.echo(f"Removed {remove}")
            return
        if when:
            try:
                day = parse_exam_date(when, today)
            except ValueError as exc:
                fail(str(exc))
            exam_, created = set_exam(store, day, deck_ids=deck_ids, tags=tags, name=name)
            click.echo(f"{'Set' if created else 'Moved'} {exam_.name} to {day.isoformat()}")
        lines = report_lines(store, today, load_settings(store).new_per_day)
    except StoreError as exc:
        fail(str(exc))
    click.echo("\n".join(lines) if lines else "No exams set: `studyapp exam YYYY-MM-DD`.")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "raw_out",
    required=True,
    metavar="OUT",
    help="The .apkg file to write, or a folder to write a dated one into.",
)
@click.option(
    "--with-progress",
    is_flag=True,
    help="Include your SM-2 progress and review log, so Anki continues from it.",
)
@click.pass_obj
def export(context: Context, paths: tuple[Path, ...], raw_out: str, with_progress: bool) -> None:
    """Export decks to an Anki package (.apkg).

    With PATHS, exports those deck files and folders; without, every deck in the database.
    """
    from studyapp.anki import (
        ExportError,
        decks_from_files,
        decks_from_store,
        export_to_file,
        outlook_lines,
    )
    from studyapp.anki.notes import store_media_dir
    from studyapp.export_target import ExportTargetError, default_package_name, resolve_target

    try:
        out = resolve_target(raw_out, default_package_name(context.today().isoformat()))
    except ExportTargetError as exc:
        fail(str(exc))
    try:
        if paths:
            decks, problems = check_paths(paths)
            if problems:
                print_problems(problems)
                fail("nothing exported")
            selected = decks_from_files(decks)
        else:
            selected = decks_from_store(context.store(), media_dir=store_media_dir(context.store()))
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
    if result.media_files:
        line += f"; {result.media_files} media files"
    click.echo(line)
    for outlook in outlook_lines(result):
        click.echo(outlook)
    if with_progress:
        click.echo(
            "Progress arrives only for notes new to the Anki collection: Anki keeps the "
            "schedule of notes it already has."
        )


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
                line = one_line(f"{key} = {shown_value(getattr(current, key))}")
                click.echo(f"{line:<32}  # {SETTING_HELP[key]}")
            for deck_id, limit in sorted(current.deck_new_per_day.items()):
                click.echo(one_line(f"{DECK_LIMIT_PREFIX}{deck_id} = {limit}"))
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


@cli.command("backups")
@click.pass_obj
def backups_(context: Context) -> None:
    """List the database's backups, newest first."""
    from studyapp.store.backups import backup_folder, list_backups

    found = list_backups(context.db_path)
    if not found:
        click.echo(
            f"No backups yet of {context.db_path} (they are kept in {backup_folder(context.db_path)})."
        )
        return
    click.echo(f"Backups of {context.db_path}, newest first:")
    for backup in found:
        taken = backup.taken_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"  {taken}  {backup.reason:<8} {backup.size / 1024:>8.0f} KB  {backup.path}")


@cli.command()
@click.argument("backup")
@click.pass_obj
def restore(context: Context, backup: str) -> None:
    """Put BACKUP (a path, or a name from `studyapp backups`) in place of the database.

    The current file is kept beside it (NAME.before-restore-TIME), never deleted.
    """
    from studyapp.store import backups

    source = backups.resolve_backup(context.db_path, backup)
    if source is None:
        fail(f"no backup '{backup}'; `studyapp backups` lists them")
    try:
        aside = backups.restore(context.db_path, source, datetime.now())
    except ValueError as exc:
        fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        fail(f"cannot restore {source} to {context.db_path}: {exc}; the database is unchanged")
    kept = f"; the previous file is kept as {aside}" if aside else ""
    click.echo(f"Restored {source} to {context.db_path}{kept}")


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
