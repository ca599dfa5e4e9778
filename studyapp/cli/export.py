"""The way out to Anki: export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from studyapp.cli.base import Context, cli, fail, print_problems, working
from studyapp.deckfile import check_paths
from studyapp.sanitize import one_line


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
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists, without asking.")
@click.pass_obj
def export(
    context: Context, paths: tuple[Path, ...], raw_out: str, with_progress: bool, force: bool
) -> None:
    """Export decks to an Anki package (.apkg).

    With PATHS, exports those deck files and folders; without, every deck in the database.
    An existing OUT is overwritten only when you say so (asked, or --force).
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
    if with_progress:
        click.echo(
            "Progress arrives only for notes new to the Anki collection: Anki keeps the "
            "schedule of notes it already has."
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
