"""Issue 22: notes keep their own note type through convert → StudyApp → export → Anki.

The collections are built with Anki's backend: a custom note type of 6 fields and
3 templates, German stock "Basic (and reversed card)", a French cloze, MathJax and
LaTeX, and review history. The package goes back into the ORIGINAL collection
with Anki's import defaults and with "Merge note types": the same cards, no empty
card, the review log untouched, Check Database clean.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from click.testing import CliRunner

from studyapp.cards import faces
from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from tests.anki.collection_builder import (
    BASIC,
    CLOZE,
    IMAGE_OCCLUSION,
    OPTIONAL_REVERSED,
    REVERSED,
    TYPE_IN,
    add,
    answer,
    open_collection,
    renamed_copy,
    stock,
    vocabulary_type,
)
from tests.anki_support import check_database_changes, import_into

MATHS = r"Solve \(x^2 = 4\) and \[\int_0^1 x\,dx\], [$]e^{i\pi}[/$], [latex]\alpha[/latex]"


def tutor_collection(folder: Path) -> Collection:
    """A tutor's collection of note types StudyApp has no card type for, some reviewed."""
    col = open_collection(folder)
    deck = col.decks.id("Deutsch")
    vocab = vocabulary_type(
        col,
        "Vokabel 3 Karten",
        ["Wort", "Bedeutung", "Beispiel", "Genus", "Aussprache", "Notiz"],
        ["Erkennen", "Abrufen", "Anwenden"],
    )
    german = renamed_copy(
        col,
        REVERSED,
        "Einfach (mit umgedrehter Karte)",
        ["Vorderseite", "Rückseite"],
        ["Karte 1", "Karte 2"],
    )
    french = renamed_copy(col, CLOZE, "Texte à trous", ["Texte", "Verso extra"], ["Texte à trous"])

    col.media.write_data("hund.png", b"\x89PNG not really")
    add(
        col,
        vocab,
        ["Hund", "<b>dog </b>", "Der Hund bellt.", "der", "hʊnt", 'Tier <img src="hund.png">'],
        deck,
    )
    add(col, vocab, ["Katze", "cat", "", "die", "", ""], deck)  # no example: no third card
    add(col, german, ["<b>nicht </b>gut", MATHS], deck)
    add(col, french, ["La {{c1::Seine}} traverse {{c2::Paris::ville}}.", "Géographie"], deck)
    add(col, french, [r"Aire: {{c1::\(\pi r^2\)}}", ""], deck)
    # Review history on the first cards: the tutor's progress must stay attached.
    answer(col, 4)
    return col


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _state(col: Collection) -> tuple[int, int, dict[str, list[str]]]:
    fields = {col.get_note(n).guid: list(col.get_note(n).fields) for n in col.find_notes("")}
    return col.card_count(), col.db.scalar("SELECT COUNT(*) FROM revlog"), fields


def assert_back_in_place(
    col: Collection, package: Path, merge: bool, state: tuple[int, int, dict[str, list[str]]]
) -> None:
    """`package` imported into the collection its notes came from (Anki's defaults, or
    "Merge note types"): no note new or conflicting, cards, review log and fields as
    `state`, note types as they were, no empty card, Check Database clean."""
    before_types = {m["id"]: (m["name"], len(m["tmpls"])) for m in col.models.all()}
    log = import_into(col, package, merge=merge)
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    assert _state(col) == state  # byte for byte, MathJax included
    assert {m["id"]: (m["name"], len(m["tmpls"])) for m in col.models.all()} == before_types
    assert not col.get_empty_cards().notes
    assert check_database_changes(col) == []


@pytest.mark.parametrize("legacy", [False, True], ids=["apkg", "legacy-apkg"])
@pytest.mark.parametrize("merge", [False, True], ids=["defaults", "merge-note-types"])
def test_own_note_types_go_back_in_place(tmp_path, merge, legacy):
    col = tutor_collection(tmp_path / "tutor")
    cards, revlog, fields = _state(col)
    assert (cards, revlog) == (3 + 2 + 2 + 2 + 1, 4)  # Katze has no example: 2 cards
    package = tmp_path / "tutor.apkg"
    options = ExportAnkiPackageOptions(with_media=True, legacy=legacy)
    col.export_anki_package(out_path=str(package), options=options, limit=None)

    out = tmp_path / "converted"
    converted = run("convert", package, "-o", out)
    assert converted.exit_code == 0, converted.output
    assert "Vokabel 3 Karten → its own note type (3 templates): 2" in converted.output
    assert "Texte à trous → its own note type (1 templates): 2" in converted.output
    assert run("check", out).exit_code == 0
    text = (out / "deutsch.toml").read_text()
    assert "[[note_types]]" in text and 'note_type = "Einfach (mit umgedrehter Karte)"' in text

    db = tmp_path / "s.db"
    imported = run("--db", db, "import", out)
    assert imported.exit_code == 0, imported.output
    store = Store.open(db)
    # StudyApp studies the cards Anki has: 10 of them.
    assert store.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == cards
    store.close()
    back = tmp_path / "back.apkg"
    exported = run("--db", db, "export", "-o", back)
    assert exported.exit_code == 0, exported.output
    assert "5 notes (10 cards)" in exported.output and "1 media files" in exported.output
    assert "5 notes go back under their own note types" in exported.output
    assert "Merge note types' in" not in exported.output

    assert_back_in_place(col, back, merge, (cards, revlog, fields))
    col.close()


def test_a_note_removed_from_the_deck_file_is_left_alone_in_anki(tmp_path):
    """No deletion marker under StudyApp's note type: that would re-template the note."""
    col = tutor_collection(tmp_path / "tutor")
    package = tmp_path / "tutor.apkg"
    options = ExportAnkiPackageOptions(with_media=True, legacy=False)
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    out = tmp_path / "converted"
    assert run("convert", package, "-o", out).exit_code == 0
    db = ("--db", tmp_path / "s.db")
    assert run(*db, "export", out, "-o", tmp_path / "v1.apkg").exit_code == 0
    deck_file = out / "deutsch.toml"
    text = deck_file.read_text()
    start = text.index("[[cards]]", text.index('"Katze"') - 200)
    deck_file.write_text(text[:start] + text[text.index("[[cards]]", start + 1) :])
    assert run("check", out).exit_code == 0
    cards, revlog, fields = _state(col)
    katze = col.get_note(col.find_notes("Wort:Katze")[0])
    result = run(*db, "export", out, "-o", tmp_path / "v2.apkg")
    assert result.exit_code == 0 and "no longer" not in result.output, result.output
    log = import_into(col, tmp_path / "v2.apkg", merge=True)
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    assert _state(col) == (cards, revlog, fields)
    assert col.get_note(katze.id).mid == katze.mid
    assert check_database_changes(col) == []
    col.close()


def stock_collection(folder: Path) -> Collection:
    """Anki's English stock note types (and MathJax in them), with review history."""
    col = open_collection(folder)
    deck = col.decks.id("Stock::English")
    add(col, stock(col, BASIC), [MATHS, "<div>an <b>integral </b>&nbsp;</div>"], deck)
    add(col, stock(col, REVERSED), ["Herz", r"heart \(\heartsuit\)"], deck)
    add(col, stock(col, OPTIONAL_REVERSED), ["Lunge", "lung", "y"], deck)
    add(col, stock(col, OPTIONAL_REVERSED), ["Leber", "liver", ""], deck)
    add(col, stock(col, TYPE_IN), ["Capital of France?", "Paris"], deck)
    add(col, stock(col, CLOZE), [r"{{c1::\(e^{i\pi}\)}} = {{c2::-1}}", "Euler"], deck)
    add(col, stock(col, CLOZE), ["{{c1::outer {{c2::inner}} text}}", ""], deck)  # nested cloze
    answer(col, 3)
    return col


@pytest.mark.parametrize("merge", [False, True], ids=["defaults", "merge-note-types"])
def test_english_stock_note_types_go_back_in_place(tmp_path, merge):
    """Basic, its reversed kinds, type-in and Cloze keep their own note type too."""
    col = stock_collection(tmp_path / "tutor")
    cards, revlog, fields = _state(col)
    assert (cards, revlog) == (1 + 2 + 2 + 1 + 1 + 2 + 2, 3)
    package = tmp_path / "tutor.apkg"
    options = ExportAnkiPackageOptions(with_media=True, with_scheduling=True, legacy=False)
    col.export_anki_package(out_path=str(package), options=options, limit=None)

    out = tmp_path / "converted"
    converted = run("convert", package, "-o", out)
    assert converted.exit_code == 0, converted.output
    for name in ("Basic", "Basic (type in the answer)"):
        assert f"{name} → its own note type (1 templates): 1" in converted.output
    assert "Basic (optional reversed card) → its own note type (2 templates): 2" in converted.output
    assert "Cloze → its own note type (1 templates): 2" in converted.output
    assert "→ basic" not in converted.output and "→ cloze" not in converted.output
    assert run("check", out).exit_code == 0

    db = tmp_path / "s.db"
    imported = run("--db", db, "import", package)  # straight from the package, history too
    assert imported.exit_code == 0, imported.output
    store = Store.open(db)
    assert store.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == cards
    store.close()
    back = tmp_path / "back.apkg"
    exported = run("--db", db, "export", "-o", back)
    assert exported.exit_code == 0, exported.output
    assert "7 notes go back under their own note types" in exported.output

    assert_back_in_place(col, back, merge, (cards, revlog, fields))
    assert col.find_cards("")
    col.close()


def test_nested_cloze_makes_the_cards_anki_makes(tmp_path):
    col = stock_collection(tmp_path / "tutor")
    note = col.get_note(col.find_notes("outer")[0])
    anki_questions = [
        re.sub(r"<[^>]+>", "", card.question().split("</style>")[-1]).strip()
        for card in sorted(note.cards(), key=lambda c: c.ord)
    ]
    package = tmp_path / "tutor.apkg"
    col.export_anki_package(out_path=str(package), options=ExportAnkiPackageOptions(), limit=None)
    col.close()
    out = tmp_path / "converted"
    assert run("convert", package, "-o", out).exit_code == 0
    [card] = [
        c for c in load_deck(out / "stock-english.toml").cards if "outer" in c.content.fields[0]
    ]
    assert card.content.ords == [0, 1]
    shown = [
        faces(card.content.type, ord_, "", "", card.content.stored_text)
        for ord_ in card.content.ords
    ]
    assert [f.question for f in shown] == anki_questions == ["[...]", "outer [...] text"]
    assert [f.answer for f in shown] == ["**outer inner text**", "outer **inner** text"]


@pytest.mark.parametrize("merge", [False, True], ids=["defaults", "merge-note-types"])
def test_image_occlusion_goes_back_in_place(tmp_path, merge):
    """An Image Occlusion note keeps Anki's own note type (studied with its masks): back
    in the tutor's collection it updates in place, fields byte for byte."""
    from PIL import Image

    col = open_collection(tmp_path / "tutor")
    (tmp_path / "tutor" / "collection.media").mkdir(exist_ok=True)
    Image.new("RGB", (200, 100), "white").save(tmp_path / "arm.png")
    col.add_image_occlusion_notetype()
    col.add_image_occlusion_note(
        notetype_id=col.models.by_name("Image Occlusion")["id"],
        image_path=str(tmp_path / "arm.png"),
        occlusions="{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.4:oi=1}}"
        "{{c2::image-occlusion:ellipse:left=.5:top=.1:width=.2:height=.3:oi=1}}",
        header="Arm <b>muscles</b>",
        back_extra=r"\(x^2\)",
        tags=[],
    )
    answer(col, 1)
    package = tmp_path / "tutor.apkg"
    options = ExportAnkiPackageOptions(with_media=True, with_scheduling=True)
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    cards, revlog, fields = _state(col)
    assert (cards, revlog) == (2, 1)
    db = tmp_path / "s.db"
    imported = run("--db", db, "import", package)
    assert imported.exit_code == 0, imported.output
    assert "Image Occlusion → its own note type (1 templates): 1" in imported.output
    exported = run("--db", db, "export", "-o", tmp_path / "back.apkg")
    assert exported.exit_code == 0, exported.output
    assert "1 note goes back under its own note type" in exported.output
    assert "Merge note types' in" not in exported.output
    assert_back_in_place(col, tmp_path / "back.apkg", merge, (cards, revlog, fields))
    col.close()


def localized_collection(folder: Path, lang: str) -> Collection:
    """A collection Anki created in German or French: its stock note types in that language
    (and so their fields and templates), a note of each, MathJax, reviews."""
    col = open_collection(folder, lang)
    deck = col.decks.id("Sprache::Stock")
    stock_types = sorted(col.models.all(), key=lambda m: m["name"])
    for index, model in enumerate(
        m for m in stock_types if m.get("originalStockKind") != IMAGE_OCCLUSION
    ):
        cloze = model["type"] == 1
        front = (
            f"{{{{c1::Wort {index}}}}} und {{{{c2::\\(x^{index}\\)}}}}"
            if cloze
            else (f"<b>Vorne {index} </b>")
        )
        # The optional reverse, asked for.
        extra = ["y"] if len(model["flds"]) > 2 else []
        add(col, model, [front, f"{MATHS} {index}", *extra], deck)
    answer(col, 3)
    return col


@pytest.mark.parametrize("merge", [False, True], ids=["defaults", "merge-note-types"])
@pytest.mark.parametrize("lang", ["de_DE", "fr_FR"])
def test_localized_stock_note_types_go_back_in_place(tmp_path, lang, merge):
    col = localized_collection(tmp_path / "tutor", lang)
    cards, revlog, fields = _state(col)
    assert (cards, revlog) == (1 + 1 + 2 + 2 + 2, 3)  # basic, type-in, 2 reversed, cloze
    package = tmp_path / "tutor.apkg"
    options = ExportAnkiPackageOptions(with_media=True, with_scheduling=True, legacy=False)
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    out = tmp_path / "converted"
    converted = run("convert", package, "-o", out)
    assert converted.exit_code == 0, converted.output
    assert converted.output.count("→ its own note type") == 5
    assert run("check", out).exit_code == 0
    db = tmp_path / "s.db"
    assert run("--db", db, "import", out).exit_code == 0
    store = Store.open(db)
    assert store.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == cards
    store.close()
    back = tmp_path / "back.apkg"
    exported = run("--db", db, "export", "-o", back)
    assert exported.exit_code == 0 and "5 notes go back under their own" in exported.output

    assert_back_in_place(col, back, merge, (cards, revlog, fields))
    col.close()


def test_legacy_req_is_genankis_where_chevron_can_read_and_skips_what_anki_cannot():
    """The model's legacy `req`: as genanki computes it for ordinary templates, and no
    ChevronError (so no failed export) for a template Anki keeps but cannot parse."""
    import genanki

    from studyapp.anki.notetypes import legacy_req
    from studyapp.deckfile.notetypes import CardTemplate, NoteType

    templates = (
        CardTemplate("A", "{{Front}}", "{{Back}}"),
        CardTemplate("B", "{{#Extra}}{{Back}}{{/Extra}}", "{{Front}}"),
        CardTemplate("C", "{{Front}} {{Back}}", "x"),
    )
    fields = ("Front", "Back", "Extra")
    note_type = NoteType("T", 1700000000009, False, fields, templates, "")
    model = genanki.Model(
        1,
        "T",
        fields=[{"name": f} for f in fields],
        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in templates],
    )
    assert legacy_req(note_type) == model._req

    broken = NoteType(
        "U",
        1700000000010,
        False,
        fields,
        (*templates, CardTemplate("D", "{{#Front}}{{/Back}}", "")),
        "",
    )
    assert legacy_req(broken) == model._req  # template D makes no card: left out
