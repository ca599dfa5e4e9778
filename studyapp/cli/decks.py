"""Deck files in and checked: check, lint, import, convert, decks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from studyapp.cli.base import Context, cli, fail, print_problems, working
from studyapp.deckfile import check_paths
from studyapp.sanitize import one_line
from studyapp.store import StoreError

if TYPE_CHECKING:
    from studyapp.anki.convert import Conversion
    from studyapp.deckfile import Deck


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
    """List decks with home's counts: new today, due, total (JSON: total, unseen, due)."""
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
    from studyapp.daily_queue import new_today
    from studyapp.settings import load_settings

    store, today = context.store(), context.today()
    settings = load_settings(store)
    # Home's columns, in home's order: New is what a review of the deck introduces today.
    table = Table(box=None, pad_edge=False)
    table.add_column("Deck")
    table.add_column("ID", style="dim")
    for column in ("New", "Due", "Total"):
        table.add_column(column, justify="right")
    for deck in counts:
        table.add_row(
            Text(one_line(deck.name)),
            Text(one_line(deck.id)),
            str(new_today(store, today, settings, deck.id)),
            str(deck.due),
            str(deck.total),
        )
    Console(soft_wrap=True).print(table)
