"""Exports survive every edit a tutor can make, checked in Anki's own backend."""

from __future__ import annotations

import html
import random
import re
from datetime import datetime, timedelta

import pytest

from studyapp.anki import decks_from_files, decks_from_store, export_to_file, outlook_lines
from studyapp.deckfile.reader import load_decks
from studyapp.store import Store
from tests.anki_support import check_database_changes, import_into, new_collection

T0 = datetime(2026, 11, 23, 12, 0).timestamp()

V1 = """
[deck]
id = "edits"
name = "Edits::Deck"

[[cards]]
id = "a"
front = "Alpha?"
back = "One"
tags = ["t1"]

[[cards]]
id = "b"
type = "reversed"
front = "Beta"
back = "Two"

[[cards]]
id = "c"
type = "cloze"
text = "{{c1::Gamma}} and {{c2::Delta}}"

[[cards]]
id = "d"
front = "Removed later"
back = "Gone"

[[cards]]
id = "e"
front = "To cloze"
back = "Later"

[[cards]]
id = "f"
type = "cloze"
text = "From {{c1::cloze}}"
"""

V2 = """
[deck]
id = "edits"
name = "Edits::Deck"

[[cards]]
id = "a"
type = "reversed"
front = "Alpha, edited?"
back = "One"
tags = ["t1", "t2"]

[[cards]]
id = "b"
front = "Beta"
back = "Two"

[[cards]]
id = "c"
type = "cloze"
text = "{{c1::Gamma}} only"

[[cards]]
id = "e"
type = "cloze"
text = "Now {{c1::cloze}}"

[[cards]]
id = "f"
front = "From cloze"
back = "to basic"

[[cards]]
id = "g"
front = "New"
back = "Card"
"""


def note_texts(col) -> set[str]:
    texts = set()
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        texts.add(note.fields[0])
    return texts


@pytest.mark.parametrize("merge", [False, True], ids=["defaults", "merge-note-types"])
def test_every_edit_reaches_anki(tmp_path, write_deck, merge):
    store = Store.open(tmp_path / "tutor.db")
    col = new_collection(tmp_path / "anki")
    path = write_deck(V1, "edits.toml")
    first = export_to_file(
        store, decks_from_files(load_decks([path])), tmp_path / "v1.apkg", now=T0
    )
    assert (first.added, first.to_delete, first.empty_cards) == (6, 0, 0)
    import_into(col, tmp_path / "v1.apkg", merge=merge)
    store.exports.confirm_imported()  # the tutor says the package reached Anki
    assert col.note_count() == 6 and col.card_count() == 8

    path.write_text(V2)
    second = export_to_file(
        store, decks_from_files(load_decks([path])), tmp_path / "v2.apkg", now=T0 + 60
    )
    log = import_into(col, tmp_path / "v2.apkg", merge=merge)
    store.exports.confirm_imported()
    assert list(log.conflicting) == [] and list(log.first_field_match) == []
    # e, f, g new; a, b, c updated, and d, e, f (the old notes) marked for deletion.
    assert (len(log.new), len(log.updated)) == (3, 6)
    assert (second.added, second.updated, second.unchanged) == (3, 3, 0)
    # d removed, e left basic, f left cloze: three notes for the tutor to delete.
    assert (second.to_delete, second.empty_cards) == (3, 2)
    outlook = "\n".join(outlook_lines(second))
    search = re.search(r"search (tag:\S+),", outlook).group(1)
    stale = col.find_notes(search)
    assert len(stale) == 3
    assert {col.get_note(n).fields[0].split(":")[0] for n in stale} == {
        "Removed from its StudyApp deck"
    }
    col.remove_notes(stale)
    # Anki keeps b's reverse card and c's c2 card, empty: the export said two.
    empty = col.get_empty_cards()
    assert sum(len(n.card_ids) for n in empty.notes) == 2
    assert note_texts(col) == {
        "Alpha, edited?",
        "Beta",
        "{{c1::Gamma}} only",
        "Now {{c1::cloze}}",
        "From cloze",
        "New",
    }
    alpha = col.get_note(col.find_notes('"Front:Alpha, edited?"')[0])
    assert sorted(alpha.tags) == ["t1", "t2"] and len(alpha.card_ids()) == 2

    # Nothing changed: a third export is all unchanged and Anki updates nothing.
    third = export_to_file(
        store, decks_from_files(load_decks([path])), tmp_path / "v3.apkg", now=T0 + 120
    )
    assert (third.added, third.updated, third.empty_cards) == (0, 0, 0)
    log = import_into(col, tmp_path / "v3.apkg", merge=merge)
    # Notes are marked for deletion once: deleted in Anki, they do not come back.
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    assert third.to_delete == 0 and col.note_count() == 6
    col.close()
    store.close()


def test_anki_markup_arrives_as_text(tmp_path, write_deck):
    # In the Markdown of card text a backslash escapes, so "\\(" shows as "\(".
    text = r"Hear [sound:beat.mp3], see [$]x^2[/$] [latex]y[/latex], \(z\) and \[w\]"
    typed = text.replace("\\", "\\\\")
    deck = write_deck(
        f"[deck]\nid = \"m\"\nname = \"M\"\n[[cards]]\nid = \"x\"\nfront = '''{typed}'''\n"
        'back = "[anki:tts lang=en_US]spoken[/anki:tts]"\n',
        "m.toml",
    )
    col = new_collection(tmp_path / "anki")
    export_to_file(Store.in_memory(), decks_from_files(load_decks([deck])), tmp_path / "m.apkg")
    import_into(col, tmp_path / "m.apkg")
    card = col.get_card(col.find_cards("")[0])
    note = card.note()
    assert html.unescape(note["Front"]) == text
    assert html.unescape(note["Back"]) == "[anki:tts lang=en_US]spoken[/anki:tts]"
    assert card.question_av_tags() == [] and card.answer_av_tags() == []
    question, answer = card.question(), card.answer()
    for rendered in (question, answer):
        assert "<img" not in rendered and "latex" not in rendered.split("sa-question")[0]
        # Anki's reviewer loads MathJax when the HTML has \( or \[: it must not.
        assert "\\(" not in rendered and "\\[" not in rendered and "[sound:" not in rendered
    assert "tex2jax_ignore" in question
    shown = re.sub(r"(?s)<style>.*?</style>|<[^>]+>", "", question)
    assert html.unescape(shown).strip() == text


def test_progress_after_redrills_cram_and_undo_passes_check_database(tmp_path, sample_deck):
    store = Store.open(tmp_path / "p.db")
    store.decks.import_(load_decks([sample_deck]))
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]
    moment = datetime.now().astimezone() - timedelta(days=12)

    def at(days: float) -> dict:
        when = moment + timedelta(days=days)
        return {"now": when, "today": when.date()}

    store.reviews.grade(items[0], 5, **at(0))
    store.reviews.grade(items[0], 4, **at(1))
    store.reviews.grade(
        items[0], 4, **at(1.01), kind="cram"
    )  # cram after the last scheduled review
    store.reviews.grade(items[1], 2, **at(2))  # fail, then re-drills in the same session
    store.reviews.grade(items[1], 3, **at(2.001), kind="redrill")
    store.reviews.grade(items[1], 4, **at(2.002), kind="redrill")
    store.reviews.grade(items[2], 4, **at(3))
    undone = store.reviews.grade(items[2], 1, **at(9))  # a fail, taken back
    store.reviews.undo(undone.review_id)
    store.reviews.grade(items[2], 4, **at(9.5), kind="cram")
    store.reviews.grade(items[3], 1, **at(10))
    redrill = store.reviews.grade(items[3], 4, **at(10.001), kind="redrill")
    store.reviews.undo(redrill.review_id)  # the re-drill taken back
    store.reviews.grade(items[4], 3, **at(11), kind="cram")  # cram of a card never reviewed
    out = tmp_path / "progress.apkg"
    result = export_to_file(
        store, decks_from_store(store), out, with_progress=True, now=datetime.now().timestamp()
    )
    assert result.cards_with_progress == 4 and result.revlog_rows == 10

    col = new_collection(tmp_path / "anki")
    import_into(col, out, with_scheduling=True)
    assert check_database_changes(col) == []
    kinds = col.db.all("SELECT type, factor FROM revlog ORDER BY id")
    assert [k for k, _ in kinds].count(2) == 2  # re-drills: relearning entries
    assert [f for k, f in kinds if k == 3] == [0, 0, 0]  # cram: filtered, ease factor 0
    col.close()
    store.close()


@pytest.mark.parametrize("seed", range(6))
def test_any_mix_of_reviews_passes_check_database(tmp_path, sample_deck, seed):
    """Random mixes of scheduled reviews, re-drills, cram and undo, over two weeks."""
    rng = random.Random(seed)
    store = Store.open(tmp_path / "p.db")
    store.decks.import_(load_decks([sample_deck]))
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]
    moment = datetime.now().astimezone() - timedelta(days=15)
    last: dict[int, int] = {}
    for step in range(60):
        when = moment + timedelta(days=step / 4, seconds=rng.randrange(60))
        item = rng.choice(items)
        action = rng.choice(["scheduled", "scheduled", "redrill", "cram", "undo"])
        if action == "undo":
            if item in last:
                store.reviews.undo(last.pop(item))
            continue
        graded = store.reviews.grade(
            item, rng.randrange(6), now=when, today=when.date(), kind=action, duration_ms=900
        )
        last[item] = graded.review_id
    out = tmp_path / "mix.apkg"
    export_to_file(store, decks_from_store(store), out, with_progress=True)
    col = new_collection(tmp_path / "anki")
    import_into(col, out, with_scheduling=True)
    assert check_database_changes(col) == []
    col.close()
    store.close()
