"""`studyapp sync DIR`: one history across devices, through a folder any sync tool carries."""

from __future__ import annotations

from pathlib import Path

import click

from studyapp.cli.base import Context, cli, fail
from studyapp.sanitize import one_line


@cli.command("sync")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option(
    "--new-device",
    is_flag=True,
    help="First give this database a device id of its own (it was copied from another device).",
)
@click.pass_obj
def sync(context: Context, folder: Path | None, new_device: bool) -> None:
    """Exchange reviews and changes with your other devices through FOLDER (default: the
    sync_folder setting).

    This device appends what you did (reviews; suspend, bury, notes, your own cards,
    exams) to its own file in FOLDER, merges every other device's file, and reschedules
    the cards from the merged history. A file that
    cannot be read is named (file:line) and skipped; the exit status is then 1.
    """
    from studyapp.settings import load_settings
    from studyapp.sync.folder import sync_folder

    store = context.store()
    if folder is None:
        configured = load_settings(store).sync_folder
        if not configured:
            fail("no FOLDER given and no sync_folder setting (`studyapp settings sync_folder DIR`)")
        folder = Path(configured)
    if not folder.is_dir():
        fail(f"{folder}: no such folder to sync through")
    if new_device:
        click.echo(f"This database is now device {store.sync.become_new_device()}.")
    report = sync_folder(store, folder)
    for problem in report.problems:
        click.echo(one_line(f"studyapp: {problem}"), err=True)
    click.echo(one_line(f"Synced through {folder}: {report.summary()}"))
    if report.problems:
        raise SystemExit(1)
