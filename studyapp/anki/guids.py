"""Stable identities in Anki: note GUIDs, deck ids, and what a note looks like to Anki.

Never change these functions: every student's Anki recognises our notes and
decks by their results.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from studyapp.anki.notetypes import NOTE_TYPE_IDS
from studyapp.cards import builtin_family as family


def _guid(payload: str) -> str:
    # 64 bits of BLAKE2b, URL-safe base64: 11 characters, like Anki's own GUIDs.
    digest = hashlib.blake2b(payload.encode(), digest_size=8).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def note_guid(deck_id: str, card_key: str) -> str:
    """The GUID of a cloze note (and, before the shared basic note type, of every note)."""
    return _guid(f"studyapp\x1f{deck_id}\x1f{card_key}")


def card_guid(deck_id: str, card_key: str, card_type: str, anki_guid: str | None = None) -> str:
    """The GUID a card's note has in Anki.

    A card converted from Anki keeps its own GUID (`anki_guid`). Otherwise the
    GUID comes from the deck and card ids and the note type family: basic and
    reversed share one, and a move to or from cloze makes a new note, because
    Anki cannot change a note between cloze and non-cloze note types.
    """
    if anki_guid:
        return anki_guid
    if family(card_type) == "cloze":
        return note_guid(deck_id, card_key)
    if family(card_type) == "occlusion":  # its own note type, as cloze is
        return _guid(f"studyapp\x1f{deck_id}\x1f{card_key}\x1focclusion")
    return _guid(f"studyapp\x1f{deck_id}\x1f{card_key}\x1fbasic")


def anki_deck_id(deck_id: str) -> int:
    """A stable Anki deck id from our deck slug (Anki needs an int; 1 is 'Default')."""
    digest = hashlib.sha256(f"studyapp-deck:{deck_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 12) + 2


# Anki's own "Default" deck: every collection has it, under this id.
DEFAULT_DECK_ID = 1


def package_deck_id(deck_id: str, name: str) -> int:
    """The Anki deck id an export gives a deck: Anki's Default deck for one named "Default"
    (Anki renames a second deck of that name "Default_"), anki_deck_id otherwise."""
    return DEFAULT_DECK_ID if name == "Default" else anki_deck_id(deck_id)


def note_content_hash(card_type: str, html_fields: Sequence[str], tags: Sequence[str]) -> str:
    """What Anki would see of a note: its note type, fields and tags."""
    # Joined with the separators Anki itself uses between fields (\x1f).
    payload = "\x1e".join(
        (str(NOTE_TYPE_IDS[family(card_type)]), "\x1f".join(html_fields), " ".join(sorted(tags)))
    )
    return hashlib.sha256(payload.encode()).hexdigest()
