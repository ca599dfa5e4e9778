"""The event file: one device's events, one JSON object a line, appended and never rewritten.

Line 1 is the header, ``{"format": "studyapp-events", "version": 2, "device": ID}``;
every other line is one event: a review (see :func:`event_line`) or an action
(:func:`action_line`: suspend, bury, a note, one of the student's cards, an exam;
version 2). Version 1 files (reviews only) still read. An event is whole when
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

from studyapp.cards import PERSONAL_CARD_TYPES, CardContent, parse_card_type, type_problem
from studyapp.store import InputError
from studyapp.store.personal import check_personal_card
from studyapp.study.exam_recall_plan import MAX_MINUTES_PER_DAY, MAX_TARGET, MIN_TARGET
from studyapp.sync.actions import (
    ACTION_KINDS,
    CONTENT_LIMIT,
    TARGET_SHAPES,
    TEXT_LIMIT,
    ActionEvent,
)
from studyapp.sync.events import ReviewEvent

__all__ = [
    "FILE_SUFFIX",
    "FORMAT",
    "EventFile",
    "action_line",
    "event_line",
    "header_line",
    "read_events",
]

FORMAT = "studyapp-events"
VERSION = 2
READS_VERSIONS = (1, 2)
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
_MAX_TEXT = TEXT_LIMIT
# A note or a field of the student's card: long, but not without end.
_MAX_CONTENT = CONTENT_LIMIT
_ACTION_KEYS = {"type", "id", "device", "seq", "time", "target", "value"}
# A card of the student's written on some device: "my-DEVICE-N" (older keys stay home).
_OWN_CARD_KEY = re.compile(r"my-[A-Za-z0-9_-]{1,64}-[0-9]{1,19}")


class _Bad(ValueError):
    """One line that is not an event."""


@dataclass(slots=True)
class EventFile:
    """What a file held: its events, or the problem that made it unusable."""

    device: str | None = None
    events: list[ReviewEvent] = field(default_factory=list)
    actions: list[ActionEvent] = field(default_factory=list)
    problem: str | None = None
    # Bytes up to the end of the last whole line (a torn tail starts here), and its lines.
    whole_bytes: int = 0
    whole_lines: int = 0


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


def action_line(event: ActionEvent) -> str:
    return (
        json.dumps(
            {
                "type": event.kind,
                "id": event.event_id,
                "device": event.device,
                "seq": event.seq,
                "time": event.time,
                "target": list(event.target),
                "value": event.value,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        + "\n"
    )


def read_events(
    data: bytes, label: str, device: str | None = None, first_line: int = 1
) -> EventFile:
    """Read a file's bytes; `label` names it in problems; `device`: the writer it must have.

    `first_line` above 1: `data` is the rest of a file read before up to that line (no
    header; `device` is its writer), numbered from there.
    """
    result = EventFile(device=None if first_line == 1 else device)
    whole = data.rfind(b"\n") + 1
    result.whole_bytes = whole
    lines = data[:whole].split(b"\n")[:-1]
    result.whole_lines = len(lines)
    if not lines:
        return result  # empty, or only a torn header: nothing written yet
    if first_line == 1:
        try:
            result.device = _header(lines[0])
            if device is not None and result.device != device:
                raise _Bad(f"written by device {result.device}, not {device}")
        except _Bad as exc:
            result.problem = f"{label}:1: not a StudyApp event file ({exc}); skipped"
            return result
        lines = lines[1:]
    for number, raw in enumerate(lines, start=max(first_line, 2)):
        try:
            value = _json(raw)
            if value.get("type") == "review":
                result.events.append(_event(value))
            else:
                result.actions.append(_action(value))
        except _Bad as exc:
            result.problem = f"{label}:{number}: {exc}; the file is skipped"
            result.events, result.actions = [], []
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
    if value.get("version") not in READS_VERSIONS:
        raise _Bad(
            f"format version {value.get('version')!r}; this StudyApp reads "
            f"{' and '.join(map(str, READS_VERSIONS))}"
        )
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


def _event(value: dict[str, Any]) -> ReviewEvent:
    if set(value) != _KEYS:
        missing, extra = sorted(_KEYS - set(value)), sorted(set(value) - _KEYS)
        raise _Bad(f"event keys wrong (missing {missing}, unknown {extra})")
    try:
        day = date.fromisoformat(_text(value["day"], "day"))
    except ValueError:
        raise _Bad("time and day must be ISO 8601") from None
    moment = _moment(value["time"])
    kind = value["kind"]
    if kind not in REVIEW_KINDS:
        raise _Bad(f"kind must be one of {', '.join(REVIEW_KINDS)}")
    duration = value["duration_ms"]
    return ReviewEvent(
        event_id=_identifier(value["id"], "id"),
        device=_identifier(value["device"], "device"),
        seq=_integer(value["seq"], "seq", 0, 2**62),
        # One spelling for one moment, so times sort as strings on every device.
        time=moment,
        study_day=day,
        deck=_text(value["deck"], "deck"),
        card=_text(value["card"], "card"),
        ord=_integer(value["ord"], "ord", 0, 9999),
        grade=_integer(value["grade"], "grade", 0, 5),
        kind=str(kind),
        duration_ms=None if duration is None else _integer(duration, "duration_ms", 0, 2**40),
    )


def _moment(value: object) -> str:
    """A time with its offset, in the one spelling that sorts as time on every device."""
    try:
        moment = datetime.fromisoformat(_text(value, "time"))
    except ValueError:
        raise _Bad("time and day must be ISO 8601") from None
    if moment.tzinfo is None:
        raise _Bad("time must carry its UTC offset")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _action(value: dict[str, Any]) -> ActionEvent:
    kind = value.get("type")
    if kind not in ACTION_KINDS:
        raise _Bad(f"unknown event type {kind!r} (from a newer StudyApp?)")
    if set(value) != _ACTION_KEYS:
        missing, extra = sorted(_ACTION_KEYS - set(value)), sorted(set(value) - _ACTION_KEYS)
        raise _Bad(f"event keys wrong (missing {missing}, unknown {extra})")
    kind = str(kind)
    target, shape = value["target"], TARGET_SHAPES[kind]
    if not isinstance(target, list) or len(target) != len(shape):
        raise _Bad(f"a {kind} event's target must be a list of {len(shape)}")
    checked: tuple[str | int, ...] = tuple(
        _integer(part, "ord", 0, 9999) if wanted is int else _text(part, "target")
        for part, wanted in zip(target, shape, strict=True)
    )
    if kind.startswith("my_card") and not _OWN_CARD_KEY.fullmatch(str(checked[0])):
        raise _Bad("a card of your own is named my-DEVICE-NUMBER")
    if not isinstance(value["value"], dict):
        raise _Bad("value must be a JSON object")
    return ActionEvent(
        event_id=_identifier(value["id"], "id"),
        device=_identifier(value["device"], "device"),
        seq=_integer(value["seq"], "seq", 0, 2**62),
        time=_moment(value["time"]),
        kind=kind,
        target=checked,
        value=_action_value(kind, value["value"]),
    )


def _fields(value: dict[str, Any], kind: str, keys: set[str]) -> None:
    if set(value) != keys:
        raise _Bad(f"a {kind} event's value must hold {', '.join(sorted(keys)) or 'nothing'}")


def _content(value: object, name: str) -> str:
    if not isinstance(value, str) or len(value) > _MAX_CONTENT:
        raise _Bad(f"{name} must be text of at most {_MAX_CONTENT} characters")
    return value


def _day(value: object, name: str) -> str:
    try:
        return date.fromisoformat(_text(value, name)).isoformat()
    except ValueError:
        raise _Bad(f"{name} must be a date, YYYY-MM-DD") from None


def _names(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or len(value) > 1000:
        raise _Bad(f"{name} must be a list")
    names = [_text(part, name) for part in value]
    if any(ch.isspace() for part in names for ch in part):
        raise _Bad(f"{name} cannot contain spaces")
    return names


def _number(value: object, name: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _Bad(f"{name} must be empty or a number from {low:g} to {high:g}")
    return float(value)


def _action_value(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    """The state an action left its target in, checked as the app checks its own input."""
    if kind in ("my_card_deleted", "exam_deleted"):
        _fields(value, kind, set())
        return {}
    if kind == "suspend":
        _fields(value, kind, {"suspended"})
        if not isinstance(value["suspended"], bool):
            raise _Bad("suspended must be true or false")
        return {"suspended": value["suspended"]}
    if kind == "bury":
        _fields(value, kind, {"until"})
        until = value["until"]
        return {"until": None if until is None else _day(until, "until")}
    if kind == "note":
        _fields(value, kind, {"note"})
        return {"note": _content(value["note"], "note")}
    if kind == "my_card":
        _fields(value, kind, {"card_type", "front", "back", "text", "extra", "tags"})
        card = {key: _content(value[key], key) for key in ("front", "back", "text", "extra")}
        card_type, tags = _content(value["card_type"], "card_type"), _names(value["tags"], "tags")
        parsed = parse_card_type(card_type)
        if parsed is None:
            raise _Bad(f"card: {type_problem(card_type, PERSONAL_CARD_TYPES)}")
        try:
            check_personal_card(
                CardContent(
                    type=parsed,
                    front=card["front"],
                    back=card["back"],
                    text=card["text"],
                    extra=card["extra"],
                    tags=tuple(tags),
                )
            )
        except InputError as exc:
            raise _Bad(f"card: {exc}") from None
        return {"card_type": card_type, **card, "tags": tags}
    _fields(value, kind, {"date", "decks", "tags", "target", "minutes_per_day"})
    return {
        "date": _day(value["date"], "date"),
        "decks": _names(value["decks"], "decks"),
        "tags": _names(value["tags"], "tags"),
        "target": _number(value["target"], "target", MIN_TARGET, MAX_TARGET),
        "minutes_per_day": _number(
            value["minutes_per_day"], "minutes_per_day", 1, MAX_MINUTES_PER_DAY
        ),
    }
