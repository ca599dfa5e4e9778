"""The way in: Anki packages and text files of notes as StudyApp decks.

Basic → basic, "and reversed" → reversed, "optional reversed" → basic or
reversed by its "Add Reverse" field, Cloze → cloze (hints kept); any other
note type: its first field is the front and the rest the back, and the report
says so. Fields named Extra / Back Extra and Source keep their meaning. Each
card keeps its note's Anki GUID, so an export goes back to the same notes.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.anki.apkg_reader import PackageContents, PackageError, SourceNote, read_package
from studyapp.anki.html_to_markdown import html_to_markdown, plain_to_markdown
from studyapp.anki.media_files import (
    plain_files,
    remove_stale_scratch,
    scratch_prefix,
    skipped_line,
)
from studyapp.anki.notes import MEDIA_FOLDER
from studyapp.anki.text_reader import read_text_notes
from studyapp.cardtext import cloze_problems
from studyapp.deckfile import Card, Deck

if TYPE_CHECKING:
    from studyapp.store import Store

PACKAGE_SUFFIXES = (".apkg", ".colpkg")
TEXT_SUFFIXES = (".txt", ".csv", ".tsv")
EXTRA_FIELDS = ("extra", "back extra")


@dataclass(slots=True)
class Conversion:
    """Decks converted from sources, their media and what the conversion did."""

    decks: list[Deck] = field(default_factory=list)
    # Media file name -> its bytes, read on demand.
    media: dict[str, PackageContents] = field(default_factory=dict)
    mapping: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    # Card id -> the note it came from, for messages ("quiz.csv:12", "deck.apkg: note GUID").
    origins: dict[str, str] = field(default_factory=dict)


def is_convertible(path: Path) -> bool:
    return path.suffix.lower() in PACKAGE_SUFFIXES + TEXT_SUFFIXES


def slug(text: str) -> str:
    """A deck-file id from a name: "Trigger Points::Mechanisms" -> "trigger-points-mechanisms"."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "deck"


def card_id_for(note: SourceNote, front: str) -> str:
    """Stable across conversions: from the Anki GUID, else a spreadsheet's id column,
    else (text files) from the front."""
    if note.guid:
        key = f"guid\x1f{note.guid}"
    else:
        key = f"id\x1f{note.key}" if note.key else f"front\x1f{front}"
    return "n" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def convert_sources(paths: Sequence[Path]) -> Conversion:
    """Read every source (PackageError on the first bad one) into decks."""
    conversion = Conversion()
    notes: list[SourceNote] = []
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in PACKAGE_SUFFIXES:
            contents = read_package(path)
            notes.extend(contents.notes)
            for name in contents.media:
                _add_media(conversion, name, contents, path)
        elif suffix in TEXT_SUFFIXES:
            notes.extend(read_text_notes(path, default_deck=path.stem))
        else:
            raise PackageError(f"{path}: not an Anki package or a text file of notes")
    by_deck: dict[str, list[Card]] = {}
    seen: set[str] = set()
    for note in notes:
        card = _card(note, conversion)
        if card is None:
            continue
        card_id = card.id
        while card_id in seen:  # the same front twice in a text file
            card_id = f"{card.id}-{len(seen)}"
        seen.add(card_id)
        if note.origin:
            conversion.origins[card_id] = note.origin
        by_deck.setdefault(note.deck, []).append(_with_id(card, card_id))
    taken: set[str] = set()
    for name, cards in by_deck.items():
        deck_id = base = slug(name)
        while deck_id in taken:  # "A::B" and "A B" both make "a-b"
            deck_id = f"{base}-{len(taken) + 1}"
        taken.add(deck_id)
        conversion.decks.append(Deck(deck_id, name, "", tuple(cards)))
    return conversion


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


def _card(note: SourceNote, conversion: Conversion) -> Card | None:
    convert = html_to_markdown if note.is_html else plain_to_markdown
    names = [n.lower() for n in note.note_type.fields]
    texts = []
    for value in note.fields:
        text, _media = convert(value)
        texts.append(text)
    named = dict(zip(names, texts, strict=False))
    extra = next((named[n] for n in EXTRA_FIELDS if named.get(n)), "")
    source = named.get("source", "")
    guid = note.guid or ""
    where = note.origin or f"{note.deck}: note {note.guid or note.line}"
    if note.note_type.cloze:
        text = texts[0] if texts else ""
        problems = cloze_problems(text)
        if not text.strip() or problems:
            conversion.skipped.append(f"{where}: {problems[0] if problems else 'empty cloze text'}")
            return None
        conversion.mapping[f"{note.note_type.name} → cloze"] += 1
        rest = [
            t
            for n, t in zip(names[1:], texts[1:], strict=False)
            if n not in (*EXTRA_FIELDS, "source") and t
        ]
        extra = "\n\n".join([extra, *rest]) if extra else "\n\n".join(rest)
        return Card(
            card_id_for(note, text),
            "cloze",
            text=text,
            extra=extra,
            source=source,
            tags=_tags(note.tags),
            guid=guid,
        )
    front = texts[0] if texts else ""
    known = {"front", "back", "add reverse", "source", *EXTRA_FIELDS}
    if "add reverse" in names:
        card_type = "reversed" if named.get("add reverse") else "basic"
        label = f"{note.note_type.name} → {card_type} (by its Add Reverse field)"
    elif note.note_type.templates == 2 and names[:2] == ["front", "back"]:
        card_type, label = "reversed", f"{note.note_type.name} → reversed"
    else:
        card_type = "basic"
        label = f"{note.note_type.name} → basic"
    if names[:2] == ["front", "back"] and all(n in known for n in names):
        back = texts[1]
    else:
        back = "\n\n".join(t for t in texts[1:] if t)
        extra = source = ""
        label = f"{note.note_type.name} → basic (first field front, the rest back)"
        card_type = "basic"
    if not front.strip() or not back.strip():
        conversion.skipped.append(f"{where}: empty {'front' if not front.strip() else 'back'}")
        return None
    conversion.mapping[label] += 1
    return Card(
        card_id_for(note, front),
        card_type,
        front,
        back,
        extra=extra,
        source=source,
        tags=_tags(note.tags),
        guid=guid,
    )


def _tags(tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in tags if t.strip() and t.lower() != "leech"))


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escaping is valid TOML, once DEL is escaped too."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def deck_toml(deck: Deck) -> str:
    """The deck as a deck file (TOML) that `studyapp check` accepts."""
    lines = ["[deck]", f"id = {toml_string(deck.id)}", f"name = {toml_string(deck.name)}"]
    if deck.description:
        lines.append(f"description = {toml_string(deck.description)}")
    for card in deck.cards:
        lines += ["", "[[cards]]", f"id = {toml_string(card.id)}"]
        if card.type != "basic":
            lines.append(f"type = {toml_string(card.type)}")
        for key in ("front", "back", "text", "extra", "source"):
            if value := getattr(card, key):
                lines.append(f"{key} = {toml_string(value)}")
        if card.tags:
            lines.append(f"tags = [{', '.join(toml_string(t) for t in card.tags)}]")
        if card.guid:
            lines.append(f"guid = {toml_string(card.guid)}")
    return "\n".join(lines) + "\n"


def write_media(conversion: Conversion, folder: Path) -> int:
    """Copy the converted decks' media files into `folder`; how many were copied."""
    if not conversion.media:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    for name, contents in conversion.media.items():
        target = folder / Path(name).name
        target.write_bytes(contents.media[name]())
    return len(conversion.media)


def write_decks(conversion: Conversion, out: Path) -> list[Path]:
    """One deck file per deck under `out`, and the media in `out`/media/.

    Everything is written into a staging folder first and moved into place once
    whole, so a failure (a full disk, an unreadable media file) leaves nothing.
    """
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_scratch(out)
    staging = Path(tempfile.mkdtemp(prefix=scratch_prefix(), dir=out))
    try:
        for deck in conversion.decks:
            (staging / f"{deck.id}.toml").write_text(deck_toml(deck), encoding="utf-8")
        write_media(conversion, staging / MEDIA_FOLDER)
        written = []
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = out / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                if target.suffix == ".toml":
                    written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def validated_decks(conversion: Conversion) -> list[Deck]:
    """The converted decks as `studyapp check` reads them (DeckFileError if not valid).

    The deck files do not exist yet: each problem names the note it came from
    ("quiz.csv:12", "deck.apkg: note GUID") instead of a line of a generated file.
    """
    from studyapp.deckfile import DeckFileError, Problem, parse_deck

    decks, problems = [], []
    for deck in conversion.decks:
        text = deck_toml(deck)
        try:
            decks.append(parse_deck(text, Path(f"{deck.id}.toml")))
        except DeckFileError as exc:
            starts = [n for n, line in enumerate(text.splitlines(), 1) if line == "[[cards]]"]
            for problem in exc.problems:
                index = bisect.bisect_right(starts, problem.line or 0) - 1
                origin = conversion.origins.get(deck.cards[index].id) if index >= 0 else None
                where = origin or f"deck '{deck.name}'"
                problems.append(Problem(Path(where), None, problem.message))
    if problems:
        raise DeckFileError(problems)
    return decks


def report_lines(conversion: Conversion) -> list[str]:
    """How the notes were mapped and what was left out, for the tutor."""
    lines = [f"  {label}: {count}" for label, count in sorted(conversion.mapping.items())]
    if lines:
        lines.insert(0, "Note types:")
    if conversion.skipped:
        lines.append(f"Skipped {len(conversion.skipped)} notes:")
        lines.extend(f"  {reason}" for reason in conversion.skipped)
    return lines


def copy_deck_media(
    store: Store,
    decks: Sequence[Deck],
    conversion: Conversion | None,
    skipped: list[str] | None = None,
) -> int:
    """Keep the media of imported decks next to the database, for the next export:
    a conversion's media, and the plain files of the media/ folder next to imported
    deck files (links are never followed: a line for each in `skipped`)."""
    from studyapp.anki.notes import store_media_dir

    folder = store_media_dir(store)
    if folder is None:
        return 0
    copied = write_media(conversion, folder) if conversion is not None else 0
    for source in sorted({d.path.parent / MEDIA_FOLDER for d in decks if d.path is not None}):
        files, left_out = plain_files(source)
        if skipped is not None:
            skipped.extend(skipped_line(path) for path in left_out)
        if files:
            folder.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(file, folder / file.name, follow_symlinks=False)
            copied += 1
    return copied
