"""The decks that ship with StudyApp, kept in step with the student's database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from studyapp.locations import bundled_decks_dir
from studyapp.store import ImportReport, Store
from studyapp.store.models import DeckChanges

FINGERPRINT_KEY = "bundled_decks_sha256"
# The deck ids the last synced release shipped: a deck gone from a later
# release is retired. (Databases from before this key retire nothing once.)
DECK_IDS_KEY = "bundled_deck_ids"


@dataclass(frozen=True, slots=True)
class SyncResult:
    first_run: bool
    report: ImportReport
    # Per deck, its cards as the student reviews them (a reversed note is two, where the
    # import report counts notes) before and after: the figures of home's Cards column.
    cards_before: Mapping[str, int] = field(default_factory=dict)
    cards_after: Mapping[str, int] = field(default_factory=dict)

    @property
    def cards(self) -> int:
        """The cards the bundled decks now hold (on the first run, all there are)."""
        return sum(self.cards_after.values())

    def message(self) -> str | None:
        """One line for the screen, or None when nothing changed."""
        if self.first_run:
            decks = len(self.report.decks)
            return f"Welcome! Imported {decks} bundled decks ({self.cards} cards)."
        changed = [self._deck_line(d) for d in self.report.decks if d.changed]
        if not changed:
            return None
        return "Bundled decks updated: " + "; ".join(changed)

    def _deck_line(self, changes: DeckChanges) -> str:
        """The deck's summary (in notes), and its cards when their number changed."""
        before = self.cards_before.get(changes.deck_id, 0)
        after = self.cards_after.get(changes.deck_id, 0)
        if before == after:
            return changes.summary()
        return f"{changes.summary()}, {before} → {after} card{'s' * (after != 1)}"


def _fingerprint(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sync_bundled_decks(store: Store) -> SyncResult | None:
    """Import the bundled decks if they are new or changed since the last start.

    Cheap when nothing changed: one hash of a few small files, no parsing.
    """
    # A plain listing, and the deck-file parser only once something changed: this runs
    # before every first card. (The bundled folder is flat.)
    folder = bundled_decks_dir()
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.suffix == ".toml" and p.is_file())
    if not files:
        return None
    fingerprint = _fingerprint(files)
    if store.get_meta(FINGERPRINT_KEY) == fingerprint:
        return None
    from studyapp.deckfile.reader import load_decks

    first_run = not store.decks.names()
    decks = load_decks(files)
    shipped = [deck.id for deck in decks]
    try:
        before = json.loads(store.get_meta(DECK_IDS_KEY) or "[]")
    except ValueError:
        before = []  # unreadable: retire nothing rather than guess
    before_cards = _cards_per_deck(store, [*before, *shipped])
    store.backup_before("import")
    with store.transaction():
        # The bundled decks are ours: a release may replace a deck whole.
        report = store.decks.import_(decks, replace=True)
        report.decks.extend(store.decks.retire(d for d in before if d not in shipped))
        store.set_meta(FINGERPRINT_KEY, fingerprint)
        store.set_meta(DECK_IDS_KEY, json.dumps(shipped))
    after = _cards_per_deck(store, shipped)
    return SyncResult(first_run, report, before_cards, after)


def _cards_per_deck(store: Store, deck_ids: Iterable[str]) -> dict[str, int]:
    """Home's Cards column for these decks (a retired deck has none)."""
    wanted = set(deck_ids)
    # The day only decides what is due, which is not counted here.
    return {d.id: d.total for d in store.progress.deck_counts(date.today()) if d.id in wanted}


def set_up_store(store: Store) -> str | None:
    """The one set-up step before anything reads decks (the app's factory and every CLI
    command): the bundled decks brought in step. What it did, in a line, or None."""
    result = sync_bundled_decks(store)
    return result.message() if result else None
