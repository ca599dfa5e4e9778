"""The event file: one device's events, one JSON object a line, appended and never rewritten.

Line 1 is the header, ``{"format": "studyapp-events", "version": 1, "device": ID}``;
every other line is one event (see :func:`event_line`). An event is whole when
its line ends in a newline: a file a sync tool has copied only half of is read
up to its last whole line. Anything else that does not read as an event makes
the whole file suspect: it is reported (``path:line``) and none of it is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from studyapp.sync.events import ReviewEvent

__all__ = [
    "FILE_SUFFIX",
    "FORMAT",
    "EventFile",
    "event_line",
    "header_line",
    "read_events",
]

FORMAT = "studyapp-events"
VERSION = 1
FILE_SUFFIX = ".events.jsonl"
REVIEW_KINDS = ("scheduled", "redrill", "cram", "exam")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEYS = {
    "type",
    "id",
    "device",
    "seq",
    "time",
    "day",
    "deck",
    "card",
    "ord",
    "grade",
    "kind",
    "duration_ms",
}
_MAX_TEXT = 500


class _Bad(ValueError):
    """One line that is not an event."""


@dataclass(slots=True)
class EventFile:
    """What a file held: its events, or the problem that made it unusable."""

    device: str | None = None
    events: list[ReviewEvent] = field(default_factory=list)
    problem: str | None = None
    # Bytes up to the end of the last whole line (a torn tail starts here).
    whole_bytes: int = 0


def header_line(device: str) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "device": device}) + "\n"


def event_line(event: ReviewEvent) -> str:
    return (
        json.dumps(
            {
                "type": "review",
                "id": event.event_id,
                "device": event.device,
                "seq": event.seq,
                "time": event.time,
                "day": event.study_day.isoformat(),
                "deck": event.deck,
                "card": event.card,
                "ord": event.ord,
                "grade": event.grade,
                "kind": event.kind,
                "duration_ms": event.duration_ms,
            },
            ensure_ascii=False,
        )
        + "\n"
    )


def read_events(data: bytes, label: str, device: str | None = None) -> EventFile:
    """Read a file's bytes; `label` names it in problems; `device`: the writer it must have."""
    result = EventFile()
    whole = data.rfind(b"\n") + 1
    result.whole_bytes = whole
    lines = data[:whole].split(b"\n")[:-1]
    if not lines:
        return result  # empty, or only a torn header: nothing written yet
    try:
        result.device = _header(lines[0])
        if device is not None and result.device != device:
            raise _Bad(f"written by device {result.device}, not {device}")
    except _Bad as exc:
        result.problem = f"{label}:1: not a StudyApp event file ({exc}); skipped"
        return result
    for number, raw in enumerate(lines[1:], start=2):
        try:
            result.events.append(_event(raw))
        except _Bad as exc:
            result.problem = f"{label}:{number}: {exc}; the file is skipped"
            result.events = []
            return result
    return result


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Bad("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Bad(f"not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise _Bad("not a JSON object")
    return value


def _header(raw: bytes) -> str:
    value = _json(raw)
    if value.get("format") != FORMAT:
        raise _Bad("no studyapp-events header")
    if value.get("version") != VERSION:
        raise _Bad(f"format version {value.get('version')!r}; this StudyApp reads {VERSION}")
    return _identifier(value.get("device"), "device")


def _identifier(value: object, name: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _Bad(f"{name} must be 1-64 letters, digits, '-' or '_'")
    return value


def _integer(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Bad(f"{name} must be a whole number from {low} to {high}")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
        raise _Bad(f"{name} must be text of 1-{_MAX_TEXT} characters")
    return value


def _event(raw: bytes) -> ReviewEvent:
    value = _json(raw)
    if value.get("type") != "review":
        raise _Bad(f"unknown event type {value.get('type')!r} (from a newer StudyApp?)")
    if set(value) != _KEYS:
        missing, extra = sorted(_KEYS - set(value)), sorted(set(value) - _KEYS)
        raise _Bad(f"event keys wrong (missing {missing}, unknown {extra})")
    try:
        moment = datetime.fromisoformat(_text(value["time"], "time"))
        day = date.fromisoformat(_text(value["day"], "day"))
    except ValueError:
        raise _Bad("time and day must be ISO 8601") from None
    if moment.tzinfo is None:
        raise _Bad("time must carry its UTC offset")
    kind = value["kind"]
    if kind not in REVIEW_KINDS:
        raise _Bad(f"kind must be one of {', '.join(REVIEW_KINDS)}")
    duration = value["duration_ms"]
    return ReviewEvent(
        event_id=_identifier(value["id"], "id"),
        device=_identifier(value["device"], "device"),
        seq=_integer(value["seq"], "seq", 0, 2**62),
        # One spelling for one moment, so times sort as strings on every device.
        time=moment.astimezone(UTC).isoformat(timespec="milliseconds"),
        study_day=day,
        deck=_text(value["deck"], "deck"),
        card=_text(value["card"], "card"),
        ord=_integer(value["ord"], "ord", 0, 9999),
        grade=_integer(value["grade"], "grade", 0, 5),
        kind=str(kind),
        duration_ms=None if duration is None else _integer(duration, "duration_ms", 0, 2**40),
    )
