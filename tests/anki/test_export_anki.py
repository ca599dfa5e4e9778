"""Exported packages, checked by importing them into Anki's own backend (PyPI `anki`)."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner

from studyapp.anki import (
    MODEL_IDS,
    anki_deck_id,
    build_models,
    decks_from_files,
    decks_from_store,
    export_to_file,
    plan_export,
    run_export,
    with_progress_from,
    write_apkg,
)
from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck, load_decks
from studyapp.locations import bundled_decks_dir
from studyapp.store import Store, StoreError
from tests import paths

BASIC = "StudyApp Basic (optional reversed card)"
GOLDEN = paths.GOLDEN / "sample_export.json"
T0 = datetime(2026, 11, 23, 12, 0).timestamp()


@pytest.fixture
def anki(tmp_path):
    """A fresh, empty Anki collection."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_into(col: Collection, package: Path, with_scheduling: bool = False):
    request = ImportAnkiPackageRequest(
        package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=with_scheduling)
    )
    return col.import_anki_package(request).log


def export_files(paths, out: Path, now: float = T0, store: Store | None = None) -> Path:
    store = store or Store.in_memory()
    export_to_file(store, decks_from_files(load_decks(paths)), out, now=now)
    return out


def test_counts_models_fields_and_tags(anki, tmp_path, sample_deck):
    log = import_into(anki, export_files([sample_deck], tmp_path / "s.apkg"))
    assert (len(log.new), anki.note_count(), anki.card_count()) == (3, 3, 5)
    models = {m["name"]: m for m in anki.models.all()}
    assert [f["name"] for f in models[BASIC]["flds"]] == [
        "Front",
        "Back",
        "Extra",
        "Source",
        "Add Reverse",
    ]
    assert [f["name"] for f in models["StudyApp Cloze"]["flds"]] == ["Text", "Extra", "Source"]
    assert {m["id"] for m in models.values() if m["name"].startswith("StudyApp")} == set(
        MODEL_IDS.values()
    )
    per_model = {name: len(anki.find_cards(f'"note:{name}"')) for name in models}
    assert per_model[BASIC] == 3  # one basic card, one reversed (two cards)
    assert per_model["StudyApp Cloze"] == 2
    basic = anki.get_note(anki.find_notes('"Front:What does pressure gate?"')[0])
    assert basic["Front"] == "What does pressure gate?"
    assert basic["Extra"].startswith("Gate control")
    assert basic["Source"] == "Proposed Mechanisms › Pain Modulation"
    assert basic.tags == ["mechanism::gate-control"]
    assert "Sample::Mechanisms" in [d.name for d in anki.decks.all_names_and_ids()]
    card = anki.get_card(anki.find_cards('"Front:What does pressure gate?"')[0])
    assert anki.decks.name(card.did) == "Sample::Mechanisms"


def test_rendered_cards_show_the_text(anki, tmp_path, sample_deck):
    import_into(anki, export_files([sample_deck], tmp_path / "s.apkg"))
    basic = anki.get_card(anki.find_cards('"Front:What does pressure gate?"')[0])
    assert "What does pressure gate?" in basic.question()
    answer = basic.answer()
    assert "Nociception" in answer and "Gate control" in answer and "Pain Modulation" in answer
    reverse = [anki.get_card(c) for c in anki.find_cards('"Add Reverse:_*"')]
    assert sorted(c.ord for c in reverse) == [0, 1]
    back_first = next(c for c in reverse if c.ord == 1)
    assert "Local twitch response" in back_first.question()
    clozes = sorted(
        (anki.get_card(c) for c in anki.find_cards('"note:StudyApp Cloze"')), key=lambda c: c.ord
    )
    assert "[...]" in clozes[0].question() and "Gate Control Theory" not in clozes[0].question()
    assert "Gate Control Theory" in clozes[0].answer()
    assert "Melzack &amp; Wall" in clozes[0].question()
    assert "Melzack" not in clozes[1].question().split("[...]")[0][-5:]
    assert "Melzack &amp; Wall" in clozes[1].answer()


def test_new_cards_keep_deck_order(anki, tmp_path):
    import_into(
        anki, export_files([bundled_decks_dir() / "03-mechanisms.toml"], tmp_path / "m.apkg")
    )
    deck = load_deck(bundled_decks_dir() / "03-mechanisms.toml")
    dues = {}
    for cid in anki.find_cards(""):
        card = anki.get_card(cid)
        note = card.note()
        first = note["Front"] if "Front" in note else note["Text"]
        dues.setdefault(card.due, first)
    order = [dues[d] for d in sorted(dues)]
    expected_first = deck.cards[0].content.front.replace("'", "&#x27;")
    assert order[0] in (deck.cards[0].content.front, expected_first)
    assert len(set(dues)) == len(deck.cards)  # one position per note, siblings share it


def test_reexport_after_edit_updates_one_note_and_adds_none(anki, tmp_path, sample_deck):
    store = Store.open(tmp_path / "tutor.db")
    import_into(anki, export_files([sample_deck], tmp_path / "v1.apkg", now=T0, store=store))
    edited = sample_deck.read_text().replace('back = "Nociception"', 'back = "Nociceptive input"')
    sample_deck.write_text(edited)
    # Even within the same second as the first export, the edit must look newer to Anki.
    log = import_into(anki, export_files([sample_deck], tmp_path / "v2.apkg", now=T0, store=store))
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert anki.note_count() == 3
    note = anki.get_note(anki.find_notes('"Front:What does pressure gate?"')[0])
    assert note["Back"] == "Nociceptive input"


def test_two_decks_with_identical_text_do_not_collide(anki, tmp_path, write_deck):
    body = '[[cards]]\nid = "same"\nfront = "Q"\nback = "A"\n'
    one = write_deck('[deck]\nid = "one"\nname = "One"\n' + body, "one.toml")
    two = write_deck('[deck]\nid = "two"\nname = "Two"\n' + body, "two.toml")
    log = import_into(anki, export_files([one, two], tmp_path / "both.apkg"))
    assert len(log.new) == 2 and anki.note_count() == 2


def test_hostile_text_is_escaped_and_markdown_converted(anki, tmp_path, write_deck):
    deck = write_deck(
        '[deck]\nid = "h"\nname = "H"\n[[cards]]\nid = "x"\n'
        'front = "<script>alert(1)</script> is *bad*"\nback = "a < b & c"\n'
        'extra = "- one\\n- **two**"\n',
        "h.toml",
    )
    import_into(anki, export_files([deck], tmp_path / "h.apkg"))
    note = anki.get_note(anki.find_notes("")[0])
    assert note["Front"] == "&lt;script&gt;alert(1)&lt;/script&gt; is <em>bad</em>"
    assert note["Back"] == "a &lt; b &amp; c"
    assert "<li><strong>two</strong></li>" in note["Extra"]
    card = anki.get_card(anki.find_cards("")[0])
    assert "<script>" not in card.question()


def test_with_progress_carries_sm2_state_and_review_log(anki, tmp_path, sample_deck):
    store = Store.open(tmp_path / "p.db")
    store.decks.import_([load_deck(sample_deck)])
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]
    today = date.today()
    store.reviews.grade(items[0], 5, today=today - timedelta(days=10))
    store.reviews.grade(items[0], 4, today=today - timedelta(days=9))  # interval 6, due today - 3
    store.reviews.grade(items[1], 3, today=today - timedelta(days=1))  # interval 1, due today
    store.reviews.grade(items[2], 1, today=today - timedelta(days=1))  # failed on first sight
    store.reviews.grade(items[2], 4, today=today - timedelta(days=1), kind="redrill")
    store.reviews.set_suspended(items[4], True)
    out = tmp_path / "progress.apkg"
    result = write_apkg(
        with_progress_from(store, decks_from_store(store)), out, with_progress=True, today=today
    )
    assert (result.cards_with_progress, result.revlog_rows) == (3, 5)

    import_into(anki, out, with_scheduling=True)
    anki_today = anki.sched.today
    by_key = {}
    for cid in anki.find_cards(""):
        card = anki.get_card(cid)
        by_key[(card.note()["Front" if "Front" in card.note() else "Text"], card.ord)] = card
    states = {item: store.reviews.item_state(item) for item in items}
    first = by_key[("What does pressure gate?", 0)]
    assert (first.type, first.queue, first.ivl, first.factor) == (2, 2, 6, 2600)
    assert first.due - anki_today == (states[items[0]].due - today).days == -3
    assert (first.reps, first.lapses) == (2, 0)
    second = by_key[("LTR", 0)]
    assert (second.ivl, second.factor, second.due - anki_today) == (1, 2360, 0)
    failed = by_key[("LTR", 1)]
    assert (failed.ivl, failed.factor, failed.reps) == (1, 1960, 1)
    assert failed.due - anki_today == 0
    untouched = by_key[(load_deck(sample_deck).cards[2].content.text.replace("&", "&amp;"), 0)]
    assert (untouched.type, untouched.queue) == (0, 0)
    suspended = by_key[(load_deck(sample_deck).cards[2].content.text.replace("&", "&amp;"), 1)]
    assert suspended.queue == -1

    revlog = anki.db.all("SELECT cid, ease, ivl, lastIvl, factor, type FROM revlog ORDER BY id")
    assert [(row[1], row[5]) for row in revlog] == [(4, 0), (3, 1), (2, 0), (1, 0), (3, 2)]
    assert [row[2] for row in revlog] == [1, 6, 1, 1, 1]
    problems = anki._backend.check_database()
    assert list(problems) == []
    store.close()


def test_bundled_decks_import_cleanly(anki, tmp_path):
    out = export_files([bundled_decks_dir()], tmp_path / "bundled.apkg")
    log = import_into(anki, out)
    decks = load_decks([bundled_decks_dir()])
    assert len(log.new) == sum(len(d.cards) for d in decks)
    assert anki.card_count() == sum(len(c.content.ords) for d in decks for c in d.cards)
    assert list(anki._backend.check_database()) == []


def test_cli_export_and_reexport_through_anki(anki, tmp_path, sample_deck):
    runner = CliRunner()
    db = ["--db", str(tmp_path / "c.db")]
    assert runner.invoke(cli, [*db, "import", str(sample_deck)]).exit_code == 0
    result = runner.invoke(cli, [*db, "export", "-o", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert "Exported 1 deck, 3 notes (5 cards)" in result.output
    assert len(import_into(anki, tmp_path / "all.apkg").new) == 3
    bad = runner.invoke(cli, [*db, "export", "-o", str(tmp_path / "no" / "x.apkg")])
    assert bad.exit_code == 1 and "no such folder" in bad.stderr
    empty = runner.invoke(
        cli, ["--db", str(tmp_path / "empty.db"), "export", "-o", str(tmp_path / "e.apkg")]
    )
    assert empty.exit_code == 1 and not (tmp_path / "e.apkg").exists()


def package_collection(path: Path) -> sqlite3.Connection:
    """The collection inside a package, opened."""
    db_path = path.with_suffix(".anki2")
    with zipfile.ZipFile(path) as package:
        db_path.write_bytes(package.read("collection.anki2"))
    return sqlite3.connect(db_path)


def package_summary(path: Path) -> dict:
    """What a package says, without ids or timestamps: compared to a golden file."""
    conn = package_collection(path)
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    notes = []
    for guid, mid, tags, flds, nid in conn.execute(
        "SELECT guid, mid, tags, flds, id FROM notes ORDER BY id"
    ):
        cards = [
            list(r)
            for r in conn.execute(
                "SELECT ord, due, type, queue FROM cards WHERE nid = ? ORDER BY ord", [nid]
            )
        ]
        notes.append(
            {
                "guid": guid,
                "model": models[str(mid)]["name"],
                "tags": tags.split(),
                "fields": flds.split("\x1f"),
                "cards": cards,
            }
        )
    templates = {m["name"]: [[t["qfmt"], t["afmt"]] for t in m["tmpls"]] for m in models.values()}
    conn.close()
    return {"notes": notes, "templates": templates}


def test_package_matches_golden_file(tmp_path, sample_deck):
    summary = package_summary(export_files([sample_deck], tmp_path / "g.apkg"))
    if os.environ.get("STUDYAPP_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    assert summary == json.loads(GOLDEN.read_text())


def note_and_card_rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    rows = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        for table in ("notes", "cards")
    }
    conn.close()
    return rows


def test_bulk_rows_are_the_rows_genanki_writes(tmp_path, sample_deck):
    """Our batched note and card rows equal genanki's own Note.write_to_db output."""
    decks = decks_from_files(load_decks([sample_deck, bundled_decks_dir()]))
    ours = write_apkg(decks, tmp_path / "ours.apkg", now=T0).path

    models = build_models()
    position = itertools.count()
    package = genanki.Package([])
    for deck in decks:
        anki_deck = genanki.Deck(anki_deck_id(deck.id), deck.name, deck.description)
        for note in deck.notes:
            anki_deck.add_note(
                genanki.Note(
                    model=models[note.family],
                    fields=note.fields(),
                    tags=list(note.content.tags),
                    guid=note.anki_guid,
                    due=next(position),
                )
            )
        package.decks.append(anki_deck)
    conn = sqlite3.connect(tmp_path / "genanki.anki2")
    package.write_to_db(conn.cursor(), T0, itertools.count(int(T0 * 1000)))
    theirs = note_and_card_rows(conn)

    rows = note_and_card_rows(package_collection(ours))
    assert len(rows["notes"]) == sum(len(deck.notes) for deck in decks) > 70
    assert any(row[2] == MODEL_IDS["cloze"] for row in rows["notes"])
    assert rows == theirs


def test_notes_are_remembered_only_once_their_package_is_whole(tmp_path, sample_deck):
    store = Store.in_memory()
    job = plan_export(store, decks_from_files(load_decks([sample_deck])), now=T0)

    def full_disk(rows, forget):
        raise StoreError("could not save, nothing written: database or disk is full")

    with pytest.raises(StoreError):
        run_export(job, tmp_path / "out.apkg", full_disk)
    assert not list(tmp_path.glob("*out.apkg*"))  # neither the package nor its temp file
    guids = {note.anki_guid for deck in job.decks for note in deck.notes}
    assert store.exports.notes(guids) == {}
    recorded = []
    job = plan_export(store, decks_from_files(load_decks([sample_deck])), now=T0)
    run_export(job, tmp_path / "out.apkg", lambda rows, forget: recorded.extend(rows))
    assert (tmp_path / "out.apkg").exists() and len(recorded) == len(guids) == 3
    assert {row[0] for row in recorded} == guids
    assert {row[2] for row in recorded} == {int(T0)}


def test_the_students_note_reaches_anki_in_the_extra_field(anki, tmp_path, sample_deck):
    store = Store.open(tmp_path / "student.db")
    store.decks.import_([load_deck(sample_deck)])
    card_id = store.conn.execute("SELECT id FROM cards WHERE card_key = 'basic-1'").fetchone()[0]
    store.reviews.set_note(card_id, "Think *gate* <b>not</b> door")
    out = tmp_path / "with-note.apkg"
    export_to_file(store, decks_from_store(store), out, now=T0)
    import_into(anki, out)
    note = anki.get_note(anki.find_notes('"Front:What does pressure gate?"')[0])
    assert (
        "<strong>My note:</strong> Think <em>gate</em> &lt;b&gt;not&lt;/b&gt; door"
        in (note["Extra"])
    )
    others = [anki.get_note(n)["Extra"] for n in anki.find_notes("") if n != note.id]
    assert not any("My note" in extra for extra in others)
