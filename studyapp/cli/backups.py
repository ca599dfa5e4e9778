"""Backups of the database: list them, restore one."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import click

from studyapp.cli.base import Context, cli, fail
from studyapp.sanitize import one_line


@cli.command("backups")
@click.pass_obj
def backups_(context: Context) -> None:
    """List the database's backups, newest first."""
    from studyapp.store.backups import backup_folder, list_backups

    found = list_backups(context.db_path)
    if not found:
        click.echo(
            one_line(
                f"No backups yet of {context.db_path} "
                f"(they are kept in {backup_folder(context.db_path)})."
            )
        )
        return
    click.echo(one_line(f"Backups of {context.db_path}, newest first:"))
    for backup in found:
        taken = backup.taken_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            one_line(f"  {taken}  {backup.reason:<8} {backup.size / 1024:>8.0f} KB  {backup.path}")
        )


@cli.command("restore")
@click.argument("backup")
@click.pass_obj
def restore_(context: Context, backup: str) -> None:
    """Put BACKUP (a path, or a name from `studyapp backups`) in place of the database.

    The current file is kept beside it (NAME.before-restore-TIME, a name of its
    own), never deleted. Refused while the database is open anywhere.
    """
    from studyapp.store import backups, restore

    source = backups.resolve_backup(context.db_path, backup)
    if source is None:
        fail(f"no backup '{backup}'; `studyapp backups` lists them")
    try:
        aside = restore.restore(context.db_path, source, datetime.now())
    except ValueError as exc:
        fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        fail(f"cannot restore {source} to {context.db_path}: {exc}; the database is unchanged")
    kept = f"; the previous file is kept as {aside}" if aside else ""
    click.echo(one_line(f"Restored {source} to {context.db_path}{kept}"))
