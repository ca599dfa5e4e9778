"""Deck files in and checked: check, lint, import, convert, decks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from studyapp.cli.base import Context, cli, fail, json_text, print_problems, working
from studyapp.sanitize import one_line
from studyapp.store import DatabaseError, DeckNotOwned, InputError

if TYPE_CHECKING:
    from studyapp.anki.convert import Conversion
    from studyapp.deckfile.reader import Deck
    from studyapp.store import Store
    from studyapp.store.history_import import HistoryMerge
    from studyapp.sync.events import ReviewEvent


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate deck files and folders; one line per problem."""
    from studyapp.deckfile.reader import check_paths

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
@click.option(
    "--source",
    "source_path",
    type=click.Path(path_type=Path),
    help="The text the decks were written from: report answers it does not support.",
)
def lint(paths: tuple[Path, ...], as_json: bool, source_path: Path | None) -> None:
    """Card-quality findings for tutors: one `path:line: card: rule: severity: message` each.

    Exit 1 on any error (or an invalid deck file), 0 when there are only warnings.
    """
    from studyapp.lint import lint_paths

    report = lint_paths(paths, None if source_path is None else _source_text(source_path))
    if as_json:
        click.echo(json_text(report.to_json()))
    else:
        for finding in report.findings:
            click.echo(one_line(str(finding)))  # quotes card text
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


def _source_text(path: Path) -> str:
    """The text `lint --source` holds answers to; unreadable or empty: one line, exit 1."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        fail(f"{path}: the source text is not UTF-8 (byte {error.start}); save it as UTF-8")
    except FileNotFoundError:
        fail(f"{path}: no such source text")
    except OSError as error:
        fail(f"{path}: cannot read the source text: {error.strerror or error}")
    if not text.strip():
        fail(f"{path}: the source text is empty")
    return text


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Let a deck take over the id of a deck it shares no card with, retiring that "
    "deck's cards (history kept).",
)
@click.pass_obj
def import_(context: Context, paths: tuple[Path, ...], replace: bool) -> None:
    """Validate, then import deck files into the database (all or nothing).

    Anki packages (.apkg, .colpkg) and text files of notes (.txt, .csv, .tsv) are
    converted on the way in, as `studyapp convert` does; notes this database
    already has (a package exported from it, a package imported before) go back
    onto their own cards, progress kept.
    """
    from studyapp.anki.collection_writer import collection_sha256
    from studyapp.anki.convert import (
        is_convertible,
        left_out_lines,
        mapping_lines,
        report_lines,
        suspended_items,
    )
    from studyapp.anki.converted_files import discard_staged, finish_pending_media, stage_media
    from studyapp.anki.history_file import HistoryFileError, read_histories
    from studyapp.anki.review_history import AnkiHistory, anki_history
    from studyapp.deckfile.reader import check_paths
    from studyapp.store.connection import utcnow

    # Not `is_file()`: a FIFO or device named *.csv is refused by the reader, with its reason.
    sources = [p for p in paths if is_convertible(p) and not p.is_dir()]
    with working("Checking deck files"):
        decks, problems = check_paths([p for p in paths if p not in sources])
    if problems:
        print_problems(problems)
        fail("nothing imported")
    try:  # the Anki history `convert` wrote beside a deck file
        beside = read_histories(decks)
    except HistoryFileError as exc:
        fail(f"{exc}; nothing imported")
    store = context.store()
    # Media only from beside the deck files named, never from a converted deck's folder.
    deck_files = [d.path for d in decks if d.path is not None]
    conversion = None
    history = None
    suspended: list[tuple[str, str, int]] = []
    collections = [p for p in sources if p.suffix.lower() == ".colpkg"]
    # Hashed before it is read: a file changed meanwhile is not the one recorded.
    merged_sha = collection_sha256(sources[0]) if len(collections) == len(sources) == 1 else None
    if sources:
        conversion, converted = _convert(sources, store)
        if not converted:
            for line in report_lines(conversion):
                click.echo(one_line(line), err=True)
            fail(f"no notes to import in {', '.join(map(str, sources))}; nothing imported")
        decks = [*decks, *converted]
        history = anki_history(converted, conversion.reviews)
        suspended = suspended_items(conversion, converted)
    if beside.events or beside.left_out:
        events = [*(history.events if history else ()), *beside.events]
        history = AnkiHistory(events, (history.left_out if history else 0) + beside.left_out)
    staged = None
    left_out: list[str] = []  # media links and other non-files, never followed
    try:
        finish_pending_media(store)  # an import killed after its commit
        staged = stage_media(store, deck_files, conversion, left_out)
        with working(f"Importing {sum(len(d.cards) for d in decks)} cards"):
            report = store.decks.import_(
                decks,
                replace=replace,
                pending_media=None if staged is None else str(staged),
                reviews=history.events if history is not None else (),
                suspended=suspended,
            )
    except DeckNotOwned as exc:
        discard_staged(staged)
        fail(f"{exc}; nothing imported (--replace lets this import retire them)")
    except (DatabaseError, InputError) as exc:  # said here to add that nothing was imported
        discard_staged(staged)
        fail(f"{exc}; nothing imported")
    except OSError as exc:
        discard_staged(staged)
        fail(f"cannot copy media files: {exc.strerror or exc}; nothing imported")
    for line in left_out:
        click.echo(one_line(line), err=True)
    for changes in report.decks:
        click.echo(one_line(changes.summary()))
    if history is not None and (history.events or history.left_out):
        click.echo(_history_line(report.history, history.left_out))
    if merged_sha is not None:
        # What `export --collection` may rebuild: this collection, exactly as merged.
        store.history.record_merged_collection(
            str(sources[0].resolve()), merged_sha, utcnow().isoformat()
        )
    if conversion is not None:
        for line in mapping_lines(conversion):
            click.echo(one_line(line))
        for line in left_out_lines(conversion):  # warnings
            click.echo(one_line(line), err=True)
    try:
        finish_pending_media(store, staged)
    except (OSError, DatabaseError, InputError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else None
        fail(
            f"decks imported, but their media wait in {staged}: {detail or exc}; "
            "the next import moves them in"
        )


def _history_line(merged: HistoryMerge | None, left_out: int) -> str:
    """How many Anki reviews came in, over which study days, and what was already here."""
    added = merged.added if merged is not None else 0
    line = f"Review history from Anki: {added} review{'s' * (added != 1)} added"
    if merged is not None and merged.first_day is not None:
        line += f" ({merged.first_day} to {merged.last_day})"
    if merged is not None and merged.known:
        line += f", {merged.known} already here"
    if left_out:
        line += f", {left_out} of cards not imported left out"
    return line


def _convert(sources: list[Path], store: Store | None = None) -> tuple[Conversion, list[Deck]]:
    """The sources as decks, validated as `studyapp check` would; any problem ends here.

    With a `store`, notes it already has take back their deck and card ids.
    """
    from studyapp.anki.apkg_reader import PackageError
    from studyapp.anki.convert import adopt_known_cards, convert_sources
    from studyapp.anki.deck_toml import validated_decks
    from studyapp.deckfile.reader import DeckFileError

    try:
        conversion = convert_sources(sources)
        if store is not None:
            adopt_known_cards(conversion, store.decks.card_identities(), store.decks.descriptions())
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
@click.option("--force", is_flag=True, help="Replace deck files and media already in the folder.")
def convert(sources: tuple[Path, ...], out: Path, force: bool) -> None:
    """Convert Anki packages (.apkg, .colpkg) and text files of notes (Anki's "Notes in
    Plain Text" .txt, or CSV/TSV of front and back) into deck files.

    Files already in the folder (a tutor's edits) are never replaced without --force;
    the files arrive all together or not at all."""
    from studyapp.anki.convert import report_lines
    from studyapp.anki.converted_files import OutputExists, write_decks
    from studyapp.anki.history_file import history_text
    from studyapp.anki.review_history import anki_history

    conversion, decks = _convert(list(sources))
    if not conversion.decks:
        for report in report_lines(conversion):
            click.echo(one_line(report), err=True)
        fail(f"no notes to convert in {', '.join(map(str, sources))}; nothing written")
    # The review log of a package with scheduling goes beside its decks, for `import`.
    history = anki_history(decks, conversion.reviews)
    by_deck: dict[str, list[ReviewEvent]] = {}
    for event in history.events:
        by_deck.setdefault(event.deck, []).append(event)
    try:
        histories = {deck: history_text(events) for deck, events in by_deck.items()}
        written = write_decks(conversion, out, force=force, histories=histories)
    except OutputExists as exc:
        fail(f"{exc}: --force replaces them; nothing written")
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}; nothing written")
    cards = sum(len(d.cards) for d in conversion.decks)
    line = f"Wrote {len(written)} deck file{'s' * (len(written) != 1)} ({cards} cards) to {out}"
    if conversion.media:
        line += f", {len(conversion.media)} media files to {out / 'media'}"
    if history.events:
        line += (
            f", {len(history.events)} Anki reviews ({history.first_day()} to "
            f"{history.last_day()}) beside them in *.history.jsonl"
        )
    click.echo(one_line(line))
    for report in report_lines(conversion):
        click.echo(one_line(report))  # note type names, GUIDs, file names: untrusted


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
@click.pass_obj
def decks(context: Context, as_json: bool) -> None:
    """List decks with home's counts: new today, due, cards (JSON: total, unseen, due)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    counts = context.store().progress.deck_counts(context.today())
    if as_json:
        rows = [
            {"id": d.id, "name": d.name, "total": d.total, "new": d.new, "due_today": d.due}
            for d in counts
        ]
        click.echo(json_text(rows))
        return
    if not counts:
        click.echo(
            "No decks yet: run `studyapp` (it loads the bundled decks) or `studyapp import PATH`."
        )
        return
    from studyapp.settings import load_settings
    from studyapp.study.daily_queue import new_today

    store, today = context.store(), context.today()
    settings = load_settings(store)
    # Home's columns, in home's order: New is what a review of the deck introduces today.
    table = Table(box=None, pad_edge=False)
    table.add_column("Deck")
    table.add_column("ID", style="dim")
    # Cards as the student reviews them (a reversed card is two): home's Cards column.
    for column in ("New", "Due", "Cards"):
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
