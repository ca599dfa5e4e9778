"""The `studyapp` command: a thin click layer over the domain modules.

Exit codes: 0 ok, 1 a problem was found (bad deck file, database error),
2 usage. Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import sys

# Each module adds its commands to the group.
from studyapp.cli import backups, decks, export, study
from studyapp.cli.base import cli

__all__ = ["cli", "main"]
_COMMAND_MODULES = (backups, decks, export, study)


def main() -> None:
    try:
        cli(prog_name="studyapp")
    except KeyboardInterrupt:
        sys.exit(130)
