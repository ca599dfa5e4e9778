"""Pictures both ways through Anki's own backend: a deck file's `![alt](media/x.png)`
arrives in Anki as `<img>` with the file in the collection's media, and an Anki
package's pictures (its `<img>` kept as Anki has it) show as `![alt](media/x.png)` on the
card (a hostile one gets one line)."""

from __future__ import annotations

import io
from pathlib import Path

from anki.collection import ExportAnkiPackageOptions
from click.testing import CliRunner
from PIL import Image

from studyapp.anki.fields import field_html
from studyapp.cards import faces as card_faces
from studyapp.cardtext import with_image_labels
from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from tests.anki_support import import_into, new_collection
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "images"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def png(colour: str, size: tuple[int, int] = (12, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def test_field_html_sends_pictures_of_known_files_only():
    text = "Which muscle? ![The *trapezius*](media/t.png) ![x](media/gone.png)"
    used: set[str] = set()
    html = field_html(text, {"t.png"}, used)
    assert '<img src="t.png" alt="The *trapezius*">' in html
    assert "&#91;x](media/gone.png)" in html  # not a file of the deck: text, neutralised
    assert used == {"t.png"}


def test_deck_file_picture_arrives_in_anki(tmp_path):
    db = ("--db", tmp_path / "s.db")
    imported = run(*db, "import", FIXTURE / "anatomy.toml")
    assert imported.exit_code == 0, imported.output
    exported = run(*db, "export", "-o", tmp_path / "out.apkg")
    assert exported.exit_code == 0, exported.output
    assert "1 media files" in exported.output

    col = new_collection(tmp_path / "anki")
    try:
        import_into(col, tmp_path / "out.apkg")
        fronts = [col.get_note(n).fields[0] for n in col.find_notes("")]
        assert any(
            '<img src="trapezius.png" alt="The trapezius, back view">' in f for f in fronts
        ), fronts
        cloze = [f for f in fronts if "trapezius}}" in f]
        assert cloze and '<img src="trapezius.png">' in cloze[0]
        stored = Path(col.media.dir()) / "trapezius.png"
        assert stored.read_bytes() == (FIXTURE / "media" / "trapezius.png").read_bytes()
        assert col.media.check().missing == []
    finally:
        col.close()


def test_anki_pictures_convert_to_card_images_and_a_bad_one_gets_a_line(tmp_path):
    col = new_collection(tmp_path / "tutor")
    (tmp_path / "tutor" / "collection.media").mkdir(exist_ok=True)
    good = col.media.write_data("deltoid view.png", png("red"))
    bad = col.media.write_data("bomb.png", png("blue")[:40])  # cut short mid-header
    note = col.new_note(col.models.by_name("Basic"))
    note.fields[0] = f'Which muscle? <img src="{good}" alt="Deltoid, side">'
    note.fields[1] = f'Deltoid <img src="{bad}">'
    col.add_note(note, col.decks.id("Tutor"))
    package = tmp_path / "tutor.apkg"
    col.export_anki_package(
        out_path=str(package), options=ExportAnkiPackageOptions(with_media=True), limit=None
    )
    col.close()

    out = tmp_path / "converted"
    converted = run("convert", package, "-o", out)
    assert converted.exit_code == 0, converted.output
    assert "1 images cannot be shown:" in converted.output
    [line] = [x for x in converted.output.splitlines() if "image 'bomb.png'" in x]
    assert "(kept as [image: bomb.png])" in line
    text = (out / "tutor.toml").read_text()
    # The note keeps its own note type: its HTML byte for byte (issue 22) ...
    assert '"Front" = "Which muscle? <img src=\\"deltoid view.png\\" alt=' in text
    checked = run("check", out)
    assert checked.exit_code == 0, checked.output
    # ... and its card shows the picture from media/ (the bad one as its label).
    [card] = load_deck(out / "tutor.toml").cards
    faces = card_faces(
        card.content.type, 0, card.content.front, card.content.back, card.content.stored_text
    )
    assert "![Deltoid, side](<media/deltoid view.png>)" in faces.question
    assert "Deltoid ![](media/bomb.png)" in faces.answer
    assert with_image_labels(faces.answer) == "Deltoid [image: bomb.png]"
