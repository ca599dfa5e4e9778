"""Anki's review log as StudyApp review events, to merge into the database's history.

The mapping is the inverse of the export's (studyapp/anki/progress.py):

* buttons: Again → 1 (wrong), Hard → 3, Good → 4, Easy → 5 (the export sends
  0-2 as Again, so a fail comes back as the plain fail, 1);
* learning, review and relearning answers: the first answer of a card's study day
  is a scheduled review (SM-2 applies), later ones that day are re-drills, which is
  what StudyApp's own sessions log for a card answered again the same day;
* filtered-deck (cram) answers and manual reschedule entries ("set due date",
  "forget", which have no button) are logged without touching the schedule, as
  cram; a manual entry keeps grade 0, since no answer was given.

Each review's event id is "anki-<revlog id>", so importing a package twice
adds nothing, and an export sends it back to Anki under its own revlog id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from studyapp.anki.guids import card_guid
from studyapp.anki.revlog_reader import AnkiReview
from studyapp.deckfile.reader import Deck
from studyapp.study import sm2
from studyapp.sync.events import ReviewEvent

# The device every Anki review is merged as; its sequence is the revlog id (its time).
ANKI_DEVICE = "anki"
EVENT_PREFIX = "anki-"
# Anki button -> SM-2 grade (the inverse of progress.ANKI_EASE, fails as 1).
GRADE_FOR_EASE = {1: 1, 2: 3, 3: 4, 4: 5}
# Revlog types that rate a card in its own deck (learn, review, relearn).
RATING_TYPES = (0, 1, 2)


@dataclass(frozen=True, slots=True)
class AnkiHistory:
    """An import's Anki reviews as events, and those of notes that were not imported."""

    events: list[ReviewEvent]
    left_out: int

    def first_day(self) -> date | None:
        return min((e.study_day for e in self.events), default=None)

    def last_day(self) -> date | None:
        return max((e.study_day for e in self.events), default=None)


def event_id(revlog_id: int) -> str:
    return f"{EVENT_PREFIX}{revlog_id}"


def revlog_id_of(event: str | None) -> int | None:
    """The Anki revlog id an event id keeps, or None for StudyApp's own reviews."""
    if event is None or not event.startswith(EVENT_PREFIX):
        return None
    digits = event[len(EVENT_PREFIX) :]
    return int(digits) if digits.isdigit() else None


def anki_history(
    decks: Sequence[Deck],
    reviews: Iterable[AnkiReview],
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
) -> AnkiHistory:
    """The reviews of the cards in `decks` (matched by Anki GUID and card ordinal)."""
    items: dict[tuple[str, int], tuple[str, str]] = {}
    for deck in decks:
        for card in deck.cards:
            guid = card_guid(deck.id, card.id, card.content.type, card.content.guid or None)
            for ord_ in card.content.ords:
                items[(guid, ord_)] = (deck.id, card.id)
    events: list[ReviewEvent] = []
    rated_days: set[tuple[str, int, date]] = set()
    left_out = 0
    for review in sorted(reviews, key=lambda r: r.revlog_id):
        where = items.get((review.guid, review.card_ord))
        if where is None:
            left_out += 1
            continue
        moment = datetime.fromtimestamp(review.revlog_id / 1000, UTC)
        day = sm2.study_day(moment.astimezone(), rollover_hour)
        kind, grade = "cram", GRADE_FOR_EASE.get(review.ease, 0)
        if review.revlog_type in RATING_TYPES and review.ease:
            key = (review.guid, review.card_ord, day)
            kind = "redrill" if key in rated_days else "scheduled"
            rated_days.add(key)
        events.append(
            ReviewEvent(
                event_id=event_id(review.revlog_id),
                device=ANKI_DEVICE,
                seq=review.revlog_id,
                time=moment.isoformat(timespec="milliseconds"),
                study_day=day,
                deck=where[0],
                card=where[1],
                ord=review.card_ord,
                grade=grade,
                kind=kind,
                duration_ms=review.duration_ms,
            )
        )
    return AnkiHistory(events, left_out)
