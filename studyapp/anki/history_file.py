"""A converted deck's Anki review history, in a file beside its deck file.

`studyapp convert` of a package with scheduling writes ``DECK-ID.history.jsonl``
beside ``DECK-ID.toml``: the sync event format (studyapp.sync.eventfile) with
the device ``anki`` and only review events, each keeping its Anki revlog id
(``anki-<revlog id>``). `studyapp import` of that deck file merges it exactly
as importing the package would (twice changes nothing). Its study days are the
converting machine's (its time zone, the 04:00 rollover), as a direct import's
would be there.

The file is untrusted like any deck file: a line that is not such an event is
one ``path:line`` problem and nothing is imported. Reviews of cards the deck
file no longer has are left out and counted, as a package's are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from studyapp.anki.review_history import ANKI_DEVICE, revlog_id_of
from studyapp.anki.revlog_reader import MAX_REVLOG_ID, MIN_REVLOG_ID
from studyapp.deckfile.reader import Deck
from studyapp.sync.eventfile import event_line, header_line, read_events
from studyapp.sync.events import ReviewEvent

__all__ = [
    "HISTORY_SUFFIX",
    "DeckHistory",
    "HistoryFileError",
    "history_path",
    "history_text",
    "read_histories",
]

HISTORY_SUFFIX = ".history.jsonl"
# A heavy Anki user's whole life is a few hundred thousand answers (revlog_reader's limit).
MAX_BYTES = 2_000_000 * 400


class HistoryFileError(Exception):
    """A history file that cannot be used: one `path:line: what` line."""


@dataclass(frozen=True, slots=True)
class DeckHistory:
    """The reviews the history files beside some deck files hold, and those left out."""

    events: list[ReviewEvent]
    left_out: int


def history_path(deck_file: Path) -> Path:
    """Where the history of the deck in `deck_file` lives (beside it, same stem)."""
    return deck_file.with_name(deck_file.stem + HISTORY_SUFFIX)


def history_text(events: Sequence[ReviewEvent]) -> str:
    """A history file's text: the header and one line per review, oldest first."""
    ordered = sorted(events, key=lambda e: (e.seq, e.event_id))
    return header_line(ANKI_DEVICE) + "".join(event_line(e) for e in ordered)


def read_histories(decks: Sequence[Deck]) -> DeckHistory:
    """The reviews in the history files beside `decks`' files (those that have one)."""
    events: list[ReviewEvent] = []
    left_out = 0
    for deck in decks:
        if deck.path is None:
            continue
        path = history_path(deck.path)
        if not path.is_file():
            continue
        found, missed = _read(path, deck)
        events += found
        left_out += missed
    return DeckHistory(events, left_out)


def _read(path: Path, deck: Deck) -> tuple[list[ReviewEvent], int]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise HistoryFileError(f"{path}: larger than {MAX_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise HistoryFileError(f"{path}: cannot read ({exc.strerror})") from None
    if data and not data.endswith(b"\n"):
        last = data.count(b"\n") + 1
        raise HistoryFileError(f"{path}:{last}: the last line is cut short")
    read = read_events(data, str(path), ANKI_DEVICE)
    if read.problem is not None:
        raise HistoryFileError(read.problem)
    if read.actions:
        raise HistoryFileError(f"{path}: holds changes other than reviews; a history holds reviews")
    items = {(card.id, ord_) for card in deck.cards for ord_ in card.content.ords}
    events: list[ReviewEvent] = []
    left_out = 0
    for number, event in enumerate(read.events, start=2):
        revlog_id = revlog_id_of(event.event_id)
        if (
            event.device != ANKI_DEVICE
            or revlog_id is None
            or not MIN_REVLOG_ID <= revlog_id <= MAX_REVLOG_ID
            or revlog_id != event.seq
            or revlog_id != _ms(event.time)
        ):
            raise HistoryFileError(
                f"{path}:{number}: not a review from Anki (id and seq its revlog id, which is "
                "its time in ms; device anki)"
            )
        if event.deck != deck.id:
            raise HistoryFileError(
                f"{path}:{number}: a review of deck {event.deck!r}, not {deck.id!r}"
            )
        if (event.card, event.ord) in items:
            events.append(event)
        else:
            left_out += 1
    return events, left_out


def _ms(time: str) -> int:
    moment = datetime.fromisoformat(time)
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000
