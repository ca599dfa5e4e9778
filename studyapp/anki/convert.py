"""The way in: Anki packages and text files of notes as StudyApp decks.

Every source is read, each note made a card (note_mapping.py) in a deck named as
Anki names it, and the decks matched to the cards the database already has. Each
card keeps its note's Anki GUID, so an export goes back to the same notes. The
decks are written as deck files by deck_toml.py and converted_files.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.anki.apkg_reader import PackageContents, PackageError, SourceNote, read_package
from studyapp.anki.fields import placeholder
from studyapp.anki.guids import card_guid
from studyapp.anki.ledger import DELETE_TAG
from studyapp.anki.note_mapping import note_to_card
from studyapp.anki.notes import (
    MEDIA_FOLDER,
    STUDENT_NOTE_LABEL,
    without_sent_note,
    without_student_note,
)
from studyapp.anki.revlog_reader import AnkiReview
from studyapp.anki.text_reader import read_text_notes
from studyapp.cardtext import image_token
from studyapp.deckfile.fields import MAX_ID_LENGTH
from studyapp.deckfile.notetypes import NoteType
from studyapp.deckfile.reader import Card, Deck
from studyapp.images import ImageProblem, check_image, target_problem

PACKAGE_SUFFIXES = (".apkg", ".colpkg")
TEXT_SUFFIXES = (".txt", ".csv", ".tsv")


@dataclass(slots=True)
class Conversion:
    """Decks converted from sources, their media and what the conversion did."""

    decks: list[Deck] = field(default_factory=list)
    # Media file name -> its bytes, read on demand.
    media: dict[str, PackageContents] = field(default_factory=dict)
    mapping: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    # Media name -> its card text: a picture (`![alt](media/NAME)` once checked) or
    # the placeholder, with one line in `bad_images` for each image that failed.
    images: dict[str, str | None] = field(default_factory=dict)
    bad_images: list[str] = field(default_factory=list)

    def image_text(self, src: str, alt: str) -> str:
        """The card text for `<img src alt>`: the picture when the package has it whole."""
        if src not in self.images:
            self.images[src] = None
            target = f"{MEDIA_FOLDER}/{src}"
            contents = self.media.get(src)
            if contents is not None and target_problem(target) is None and "<" not in src:
                try:
                    check_image(contents.media[src](), f"image '{src}'", src)
                    self.images[src] = target
                except ImageProblem as exc:
                    self.bad_images.append(f"{exc} (kept as [image: {src}])")
        shown = self.images[src]
        return placeholder("image", src) if shown is None else image_token(alt, shown)

    # Card id -> the note it came from, for messages ("quiz.csv:12", "deck.apkg: note GUID").
    origins: dict[str, str] = field(default_factory=dict)
    # The packages' review logs (studyapp/anki/review_history.py maps them onto cards).
    reviews: list[AnkiReview] = field(default_factory=list)
    # (Anki GUID, card ordinal) of the cards Anki has suspended.
    suspended: set[tuple[str, int]] = field(default_factory=set)
    # Notes a StudyApp export had added the student's note to, which was taken out again.
    student_notes: int = 0

    def without_student_note(self, extra: str) -> str:
        """Extra without the student's note an export added (notes.without_student_note)."""
        kept = without_student_note(extra)
        self.student_notes += kept != extra
        return kept

    def without_sent_note(self, note_type: NoteType, values: Sequence[str]) -> tuple[str, ...]:
        """Anki fields without the student's note an export added (notes.without_sent_note)."""
        kept = without_sent_note(note_type, values)
        self.student_notes += kept != tuple(values)
        return kept


def is_convertible(path: Path) -> bool:
    return path.suffix.lower() in PACKAGE_SUFFIXES + TEXT_SUFFIXES


def slug(text: str) -> str:
    """A deck-file id from a name: "Trigger Points::Mechanisms" -> "trigger-points-mechanisms"."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "deck"


def _name_hash(name: str) -> str:
    return hashlib.blake2b(name.encode(), digest_size=4).hexdigest()


def deck_ids(names: Iterable[str]) -> dict[str, str]:
    """Deck name -> deck id: its slug, unless that is too long or shared with another name.

    Each id depends on its own name only (a clash or a long name adds a hash of
    the exact name), so the order of the notes never decides which deck gets
    which id: a tutor deleting a note cannot swap two decks' ids.
    """
    names = list(dict.fromkeys(names))
    bases = {name: slug(name) for name in names}
    uses = Counter(bases.values())
    ids = {}
    for name, base in bases.items():
        if uses[base] > 1 or len(base) > MAX_ID_LENGTH:
            # 9 characters of suffix keep the id within MAX_ID_LENGTH.
            base = f"{base[: MAX_ID_LENGTH - 9].rstrip('-')}-{_name_hash(name)}"
        ids[name] = base
    return ids


def deck_name(name: str) -> str:
    """A package's deck name as a deck file can hold it: empty '::' levels dropped."""
    levels = [level.strip() for level in name.split("::")]
    return "::".join(level for level in levels if level) or "Default"


def convert_sources(paths: Sequence[Path]) -> Conversion:
    """Read every source (PackageError on the first bad one) into decks."""
    conversion = Conversion()
    notes: list[SourceNote] = []
    first_source: dict[str, Path] = {}
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in PACKAGE_SUFFIXES:
            contents = read_package(path)
            read = contents.notes
            conversion.reviews.extend(contents.reviews)
            for name in contents.media:
                _add_media(conversion, name, contents, path)
        elif suffix in TEXT_SUFFIXES:
            read = read_text_notes(path, default_deck=path.stem)
        else:
            raise PackageError(f"{path}: not an Anki package or a text file of notes")
        in_this: set[str] = set()
        for note in read:
            if note.guid and first_source.setdefault(note.guid, path) != path:
                # Two versions of one deck: Anki would be sent one GUID twice.
                raise PackageError(
                    f"{path}: note {note.guid} is also in {first_source[note.guid]}; "
                    "convert one version of a deck at a time"
                )
            if note.guid and note.guid in in_this:
                # Anki's collections hold a GUID once: this one is damaged.
                raise PackageError(f"{path}: two notes have the GUID {note.guid}")
            if note.guid:
                in_this.add(note.guid)
        notes.extend(read)
    by_deck: dict[str, list[Card]] = {}
    seen: Counter[str] = Counter()
    for note in notes:
        if DELETE_TAG in note.tags:
            # StudyApp's own "delete this note" marker, sent back: not a card.
            conversion.skipped.append(f"{note.deck}: note {note.guid}: a {DELETE_TAG} marker")
            continue
        card = note_to_card(note, conversion)
        if card is None:
            continue
        # The same front twice in a text file: numbered by how many came before it
        # (ids have no '-' of their own, so "n…-2" is no other card's).
        seen[card.id] += 1
        card_id = card.id if seen[card.id] == 1 else f"{card.id}-{seen[card.id]}"
        if note.origin:
            conversion.origins[card_id] = note.origin
        if note.guid:
            conversion.suspended.update((note.guid, ord_) for ord_ in note.suspended)
        by_deck.setdefault(deck_name(note.deck), []).append(_with_id(card, card_id))
    ids = deck_ids(by_deck)
    for name, cards in by_deck.items():
        conversion.decks.append(Deck(ids[name], name, "", tuple(cards)))
    return conversion


def suspended_items(conversion: Conversion, decks: Iterable[Deck]) -> list[tuple[str, str, int]]:
    """(deck id, card id, ordinal) of the study items whose card Anki has suspended."""
    return [
        (deck.id, card.id, ord_)
        for deck in decks
        for card in deck.cards
        for ord_ in card.content.ords
        if (card_guid(deck.id, card.id, card.content.type, card.content.guid or None), ord_)
        in conversion.suspended
    ]


# A card the database has: (deck id, card key, card type, its kept Anki GUID or None,
# whether it is one of the student's own cards).
KnownCard = tuple[str, str, str, "str | None", bool]


def adopt_known_cards(
    conversion: Conversion, known: Iterable[KnownCard], descriptions: Mapping[str, str]
) -> None:
    """Converted notes the database already has take back their deck and card ids.

    Matched by the GUID each card has in Anki (its kept one, or the one StudyApp's
    export gave it), so a package exported from this database, or a tutor's
    package imported before, maps back onto the same cards and keeps their
    progress, whatever the deck is now called. The student's own cards, exported
    and brought back, are left out: they are here already.
    """
    incoming = {
        card.content.guid for deck in conversion.decks for card in deck.cards if card.content.guid
    }
    owner: dict[str, tuple[str, str, bool]] = {}
    personal: set[str] = set()
    for deck_id, card_key, card_type, stored, own in known:
        guid = card_guid(deck_id, card_key, card_type, stored)
        if guid in incoming:
            owner[guid] = (deck_id, card_key, bool(stored))
            if own:
                personal.add(guid)
    if not owner:
        return
    if personal:
        _leave_out(conversion, personal, "already one of your own cards")
    adopted: list[tuple[Deck, bool]] = []
    taken: set[str] = set()
    for deck in conversion.decks:
        votes = Counter(owner[c.content.guid][0] for c in deck.cards if c.content.guid in owner)
        home = next((d for d, _n in votes.most_common() if d not in taken), None)
        if home is None:
            adopted.append((deck, False))
            continue
        taken.add(home)
        cards = []
        for card in deck.cards:
            found = owner.get(card.content.guid)
            if found is not None and found[0] == home:
                # StudyApp's own GUIDs are computed, not kept: "" as in the database.
                guid = card.content.guid if found[2] else ""
                content = dataclasses.replace(card.content, guid=guid)
                card = dataclasses.replace(card, id=found[1], content=content, line=None)
            cards.append(card)
        deck = Deck(home, deck.name, descriptions.get(home, ""), tuple(cards))
        adopted.append((deck, True))
    conversion.decks = [
        # A deck left with its own id must not take an adopted deck's.
        dataclasses.replace(deck, id=f"{deck.id[: MAX_ID_LENGTH - 9]}-{_name_hash(deck.name)}")
        if not was_adopted and deck.id in taken
        else deck
        for deck, was_adopted in adopted
    ]


def _leave_out(conversion: Conversion, guids: set[str], reason: str) -> None:
    """Drop the cards of these notes (and any deck left empty), saying why."""
    decks = []
    for deck in conversion.decks:
        kept = tuple(card for card in deck.cards if card.content.guid not in guids)
        conversion.skipped.extend(
            f"{deck.name}: note {card.content.guid}: {reason}"
            for card in deck.cards
            if card.content.guid in guids
        )
        if kept:
            decks.append(dataclasses.replace(deck, cards=kept))
    conversion.decks = decks


def _add_media(conversion: Conversion, name: str, contents: PackageContents, path: Path) -> None:
    """One media name, one file: two packages sending different files under one name
    would leave one of them out (the same file twice is fine)."""
    first = conversion.media.setdefault(name, contents)
    if first is not contents and first.media[name]() != contents.media[name]():
        raise PackageError(
            f"{path}: media file '{name}' differs from another package's file of that name"
        )


def _with_id(card: Card, card_id: str) -> Card:
    if card.id == card_id:
        return card
    return dataclasses.replace(card, id=card_id, line=None)


def mapping_lines(conversion: Conversion) -> list[str]:
    """How the notes were mapped, for the tutor."""
    lines = [f"  {label}: {count}" for label, count in sorted(conversion.mapping.items())]
    return ["Note types:", *lines] if lines else []


def left_out_lines(conversion: Conversion) -> list[str]:
    """What was left out (notes skipped, pictures that cannot be shown), and why."""
    lines = []
    if conversion.skipped:
        lines.append(f"Skipped {len(conversion.skipped)} notes:")
        lines.extend(f"  {reason}" for reason in conversion.skipped)
    if conversion.student_notes:
        lines.append(
            f"{conversion.student_notes} notes held the student's note "
            f"('{STUDENT_NOTE_LABEL}: …') a StudyApp export adds: taken out, it is not the "
            "tutor's text (the database that exported it keeps it on its card)"
        )
    if conversion.bad_images:
        lines.append(f"{len(conversion.bad_images)} images cannot be shown:")
        lines.extend(f"  {problem}" for problem in conversion.bad_images)
    return lines


def report_lines(conversion: Conversion) -> list[str]:
    """How the notes were mapped and what was left out, for the tutor."""
    return [*mapping_lines(conversion), *left_out_lines(conversion)]
