"""The `studyapp` command: a thin click layer over the domain modules.

Exit codes: 0 ok, 1 a problem was found (bad deck file, database error),
2 usage. Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import sys

# Imported for what importing them does: each module adds its commands to the group.
from studyapp.cli import backups, decks, export, study, sync  # noqa: F401
from studyapp.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli(prog_name="studyapp")
    except KeyboardInterrupt:
        sys.exit(130)
