"""Where an export goes, and writing it there whole or not at all.

:func:`resolve_target` turns what the student typed into a file path, or one
line saying why not. The writing side keeps every temporary file next to the
target (never in TMPDIR, so a full TMPDIR cannot stop an export) under a name
carrying the writer's process id; whatever a crashed export left behind is
removed by the next export into that folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path

from studyapp.processes import process_alive

PACKAGE_SUFFIX = ".apkg"
# Most file systems allow 255 bytes a name; temporary names add a prefix and suffix.
MAX_NAME_BYTES = 200
# `.NAME.PID.HEX.tmp`: what an export leaves while it writes.
_TEMP_RE = re.compile(r"\..+\.(\d+)\.[0-9a-f]{12}\.tmp")
# Zip timestamps run from 1980 to 2107: a clock outside is clamped, not an error.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ZIP_END = (2107, 12, 31, 23, 59, 58)


class ExportTargetError(Exception):
    """The export target cannot be used; the message is one line saying why."""


def default_package_name(day: str) -> str:
    return f"StudyApp-{day}{PACKAGE_SUFFIX}"


def resolve_target(raw: str | os.PathLike[str], default_name: str) -> Path:
    """The .apkg file to write for `raw`: a folder gets `default_name` inside it.

    Raises ExportTargetError for an empty name, the root folder, a missing or
    unwritable folder and a name too long for the file system.
    """
    text = os.fspath(raw).strip()
    if not text:
        raise ExportTargetError("no file name given; name an .apkg file or a folder")
    path = Path(text).expanduser()
    names_folder = text.endswith(("/", os.sep)) or _is_dir(path)
    if names_folder:
        if not _is_dir(path):
            raise ExportTargetError(f"{path}: no such folder")
        folder = path.resolve()
        if folder == Path(folder.anchor):
            raise ExportTargetError(
                f"will not write into the root folder {folder}; name a folder of your own"
            )
        path = folder / default_name
    else:
        if path.suffix.lower() != PACKAGE_SUFFIX:
            path = path.with_name(path.name + PACKAGE_SUFFIX)
        if not _is_dir(path.parent):
            raise ExportTargetError(f"{path.parent}: no such folder")
        path = path.parent.resolve() / path.name
    size = len(os.fsencode(path.name))
    if size > MAX_NAME_BYTES:
        raise ExportTargetError(
            f"file name is too long ({size} bytes; at most {MAX_NAME_BYTES}): {path.name[:40]}…"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ExportTargetError(f"cannot write in {path.parent}: permission denied")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportTargetError(f"cannot replace {path}: permission denied")
    return path


def _is_dir(path: Path) -> bool:
    """Whether `path` is a folder; False (not an error) for a name too long to look up."""
    try:
        return path.is_dir()
    except OSError:
        return False


def clean_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files that exports which no longer run left in `folder`."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_RE.fullmatch(entry.name)
        if match and not process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def temp_path(out: Path) -> Path:
    """A fresh temporary name next to `out` (same folder, so the final rename is atomic)."""
    return out.with_name(f".{out.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def scratch_file(out: Path) -> str:
    """Create an empty scratch file next to `out` (cleaning stale ones first); its path."""
    clean_stale_temp_files(out.parent)
    fd, path = tempfile.mkstemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    # mkstemp's random part is not hex; rename to the pattern stale files are known by.
    named = temp_path(out)
    os.replace(path, named)
    return str(named)


def write_zip(
    target: Path,
    members: Mapping[str, Path | bytes],
    now: float,
    *,
    compression: int = zipfile.ZIP_STORED,
    compress_level: int | None = None,
) -> None:
    """A zip of `members`, dated `now` (clamped to zip's 1980 start), synced to disk."""
    stamp = min(max(time.localtime(now)[:6], _ZIP_EPOCH), _ZIP_END)
    with zipfile.ZipFile(target, "w", compression, compresslevel=compress_level) as package:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = compression
            info._compresslevel = compress_level  # type: ignore[attr-defined]  # ZipInfo has no public way
            if isinstance(content, bytes):
                package.writestr(info, content)
            else:
                with content.open("rb") as source, package.open(info, "w") as dest:
                    while chunk := source.read(1 << 20):
                        dest.write(chunk)
        # A crash after this leaves a whole temp file, never a half-written target.
    with open(target, "rb+") as written:
        os.fsync(written.fileno())
