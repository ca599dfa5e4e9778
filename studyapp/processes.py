"""Whether a process that left a scratch file behind still runs (its id is in the name)."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True unless `pid` is certainly gone: a scratch file of a live process is in use."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # someone else's process, or no pid at all: not ours to judge
    return True
