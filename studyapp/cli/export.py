"""The way out to Anki: export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from studyapp.cli.base import Context, cli, fail, print_problems, working
from studyapp.sanitize import one_line


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "raw_out",
    metavar="OUT",
    help="The .apkg file to write, or a folder to write a dated one into.",
)
@click.option(
    "--with-progress",
    is_flag=True,
    help="Include your SM-2 progress and review log, so Anki continues from it.",
)
@click.option(
    "--collection",
    is_flag=True,
    help="Write OUT as the phone's collection (.colpkg) with your reviews added: only "
    "after importing that collection's own .colpkg (see README, 'The way back').",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists, without asking.")
@click.option(
    "--imported",
    is_flag=True,
    help="Record that the last package written was imported into Anki (no export).",
)
@click.pass_obj
def export(
    context: Context,
    paths: tuple[Path, ...],
    raw_out: str | None,
    with_progress: bool,
    collection: bool,
    force: bool,
    imported: bool,
) -> None:
    """Export decks to an Anki package (.apkg).

    With PATHS, exports those deck files and folders; without, every deck in the database.
    An existing OUT is overwritten only when you say so (asked, or --force). After
    importing a package into Anki, run `export --imported`: until then each export
    repeats the last one's notes to delete.
    """
    if imported:
        if paths or raw_out is not None or with_progress or collection or force:
            raise click.UsageError(
                "--imported records an import and exports nothing: no other options"
            )
        _confirm_imported(context)
        return
    if raw_out is None:
        raise click.UsageError("Missing option '-o' / '--output'.")
    from studyapp.anki import (
        ExportError,
        decks_from_files,
        decks_from_store,
        export_to_file,
        outlook_lines,
    )
    from studyapp.anki.notes import store_media_dir
    from studyapp.deckfile.reader import check_paths
    from studyapp.export_target import ExportTargetError, default_package_name, resolve_target

    if collection:
        _export_collection(context, Path(raw_out), paths, with_progress, force)
        return
    try:
        out = resolve_target(raw_out, default_package_name(context.today().isoformat()))
    except ExportTargetError as exc:
        fail(str(exc))
    if out.exists() and not force:
        _confirm_overwrite(out)
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
    except ExportError as exc:
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
    click.echo(one_line(line))  # the file name is the user's
    for outlook in outlook_lines(result):
        click.echo(one_line(outlook))  # deck names
    click.echo(
        "Once it is imported into Anki, run `studyapp export --imported`: until then, "
        "exports measure against the last package you confirmed."
    )
    if with_progress:
        click.echo(
            "Progress arrives only for notes new to the Anki collection: Anki keeps the "
            "schedule of notes it already has."
        )


def _confirm_imported(context: Context) -> None:
    """Record that the last package reached Anki: its deletion advice is done with."""
    done = context.store().exports.confirm_imported()
    if done is None:
        click.echo("No export waits for confirmation; nothing recorded.")
        return
    forgotten = done[1]
    click.echo(
        "Recorded: the last package is in Anki"
        + (f"; {forgotten} deleted note{'s' * (forgotten != 1)} forgotten." if forgotten else ".")
    )


def _export_collection(
    context: Context, out: Path, paths: tuple[Path, ...], with_progress: bool, force: bool
) -> None:
    """The phone's merged collection with this database's reviews, or the reason it is not."""
    from datetime import datetime

    from studyapp.anki import ExportError
    from studyapp.anki.collection_writer import (
        collection_sha256,
        progress_by_card,
        write_collection,
    )

    if paths or with_progress:
        fail("--collection writes the whole merged collection: no PATHS, no --with-progress")
    if out.suffix.lower() != ".colpkg":
        fail(f"{out}: --collection writes an Anki collection package; name it *.colpkg")
    store = context.store()
    merged = store.history.merged_collection()
    if merged is None:
        fail(
            "no Anki collection merged here: export the collection on the phone (.colpkg), "
            "`studyapp import` it, then export --collection; nothing exported"
        )
    source = Path(merged["path"])
    if collection_sha256(source) != merged["sha256"]:
        fail(
            f"{source} is not the collection merged on {merged['merged_at'][:10]} (moved or "
            "changed): import the phone's latest .colpkg again first; nothing exported"
        )
    if out.resolve() == source.resolve():
        fail(f"{out} is the merged collection itself; write to another file; nothing exported")
    if out.exists() and not force:
        _confirm_overwrite(out)
    try:
        with working(f"Writing {out.name}"):
            result = write_collection(
                source, out, progress_by_card(store), context.today(), datetime.now().astimezone()
            )
    except ExportError as exc:
        fail(f"{exc}; nothing exported")
    click.echo(
        f"Wrote {out}: the collection merged on {merged['merged_at'][:10]} with "
        f"{result.reviews_added} of your reviews added, {result.cards_rescheduled} cards "
        "rescheduled. Open it on the phone in place of its collection (Import, Replace), "
        "and study nothing there before you do."
    )


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm_overwrite(out: Path) -> None:
    """Ask before a package is replaced; with no one to ask (not a terminal), refuse."""
    if not _interactive():
        fail(f"{out} exists; nothing exported (--force overwrites it)")
    if not click.confirm(f"{out} exists. Overwrite it?", default=False):
        fail(f"{out} kept; nothing exported")


# ignore_unknown_options: `settings new_per_day -5` is a value to check, not an option.
