"""Image occlusion: the shapes syntax and its checks, masks drawn over the picture, and
Anki's Image Occlusion notes both ways, proven in Anki's backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from anki.collection import ExportAnkiPackageOptions
from click.testing import CliRunner
from PIL import Image

from studyapp import occlusion
from studyapp.anki.occlusion_notes import note_occlusions
from studyapp.cards import faces, item_ords
from studyapp.cli import cli
from studyapp.deckfile.reader import DeckFileError, load_deck
from tests.anki_support import import_into, new_collection
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "images"
SHAPES = "hide all\n1 rect 40 0 16 10\n2 polygon 48,4 88,22 48,30\n3 ellipse 8 16 20 12"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_shapes_parse_into_one_item_per_number():
    shapes = occlusion.parse(SHAPES + "\n1 rect 0 0 4 4  # a second part of 1")
    assert shapes.hide_all and shapes.numbers == [1, 2, 3]
    assert [s.kind for s in shapes.shapes] == ["rect", "polygon", "ellipse", "rect"]
    assert item_ords("occlusion", "", SHAPES) == [0, 1, 2]
    assert occlusion.parse(occlusion.shapes_text(shapes)) == shapes
    assert not occlusion.parse("hide one\n1 rect 1 2 3 4").hide_all


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no shapes"),
        ("1 square 1 2 3 4", "unknown shape 'square'"),
        ("x rect 1 2 3 4", "start with the occlusion number"),
        ("1 rect 1 2 3", "a rect is: number rect left top width height"),
        ("1 rect 1 2 0 4", "width and height must be above 0"),
        ("1 polygon 1,1 2,2", "a polygon needs 3-100 points"),
        ("1 polygon 1,1 2;2 3,3", "a point is x,y"),
        ("1 rect 1 2 a 4", "'a' is not a number"),
        ("1 rect 1 2 3 4\nhide one", "'hide …' goes before the shapes"),
    ],
)
def test_bad_shapes_are_one_line_at_check(tmp_path, text, message):
    shutil.copytree(FIXTURE / "media", tmp_path / "media")
    path = tmp_path / "deck.toml"
    path.write_text(
        '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "o"\ntype = "occlusion"\n'
        f'front = "![x](media/trapezius.png)"\ntext = """{text}"""\n',
        encoding="utf-8",
    )
    with pytest.raises(DeckFileError) as info:
        load_deck(path)
    [line] = [str(p) for p in info.value.problems]
    assert line.startswith(f"{path}:9: card 'o': ") and message in line, line


def test_occlusion_card_needs_a_picture_and_shapes_on_it(tmp_path):
    shutil.copytree(FIXTURE / "media", tmp_path / "media")
    path = tmp_path / "deck.toml"
    path.write_text(
        '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "o"\ntype = "occlusion"\n'
        'front = "no picture"\nback = "b"\ntext = "1 rect 1 1 2 2"\n\n'
        '[[cards]]\nid = "p"\ntype = "occlusion"\nfront = "![x](media/trapezius.png)"\n'
        'text = "1 rect 90 60 10 10"\n',
        encoding="utf-8",
    )
    with pytest.raises(DeckFileError) as info:
        load_deck(path)
    found = [str(p) for p in info.value.problems]
    assert any(":8: card 'o': an occlusion card's front shows its picture" in f for f in found)
    assert any(":9: card 'o': occlusion cards use front" in f for f in found)
    # The picture is 96x64: a shape reaching 100,70 is off it.
    [late] = [str(p) for p in _bounds_problems(tmp_path)]
    assert ":11: card 'p': occlusion 1 (rect) reaches 100,70, outside the 96x64 picture" in late


def _bounds_problems(folder: Path):
    path = folder / "deck.toml"
    path.write_text(
        '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "o"\ntype = "occlusion"\n'
        'front = "![x](media/trapezius.png)"\ntext = "1 rect 1 1 2 2"\n\n'
        '[[cards]]\nid = "p"\ntype = "occlusion"\nfront = "![x](media/trapezius.png)"\n'
        'text = "1 rect 90 60 10 10"\n',
        encoding="utf-8",
    )
    with pytest.raises(DeckFileError) as info:
        load_deck(path)
    return info.value.problems


def test_masks_mark_the_asked_shape_and_lift_on_the_answer():
    picture = Image.new("RGB", (100, 50), (0, 0, 255))
    shapes = occlusion.parse("1 rect 0 0 10 10\n2 ellipse 50 20 20 20")
    # Drawn on a copy downscaled by half: shapes scale with it.
    small = picture.resize((50, 25))
    front = occlusion.draw(small, shapes, (100, 50), asked=1, revealed=False)
    assert front.getpixel((2, 2)) == occlusion.ASKED
    assert front.getpixel((30, 15)) == occlusion.OTHER  # hide all: the others masked too
    back = occlusion.draw(small, shapes, (100, 50), asked=1, revealed=True)
    assert back.getpixel((2, 2)) == (0, 0, 255)
    assert back.getpixel((30, 15)) == occlusion.OTHER
    one = occlusion.Occlusions(shapes.shapes, hide_all=False)
    assert occlusion.draw(small, one, (100, 50), 1, False).getpixel((30, 15)) == (0, 0, 255)


def test_anki_fractions_round_trip():
    shapes = occlusion.parse(SHAPES)
    field = occlusion.to_anki(shapes, 96, 64)
    assert field.startswith("{{c1::image-occlusion:rect:left=0.4167:top=0:width=0.1667:")
    back = occlusion.from_anki(field, 96, 64)
    assert back.hide_all and back.numbers == [1, 2, 3]
    for a, b in zip(back.shapes, shapes.shapes, strict=True):
        assert a.kind == b.kind and a.coords == pytest.approx(b.coords, abs=0.1)


def test_occlusion_cards_arrive_as_anki_image_occlusion_notes(tmp_path):
    db = ("--db", tmp_path / "s.db")
    assert run(*db, "import", FIXTURE).exit_code == 0
    exported = run(*db, "export", "-o", tmp_path / "out.apkg")
    assert exported.exit_code == 0, exported.output
    col = new_collection(tmp_path / "anki")
    try:
        import_into(col, tmp_path / "out.apkg")
        [nid] = col.find_notes('"note:StudyApp Image Occlusion"')
        assert len(col.get_note(nid).cards()) == 3
        io = col.get_image_occlusion_note(nid)
        assert io.WhichOneof("value") == "note"
        assert io.note.image_file_name == "trapezius.png" and io.note.occlude_inactive
        assert io.note.header == "Name the masked part."
        assert sorted(o.ordinal for o in io.note.occlusions) == [1, 2, 3]
        kinds = {o.ordinal: o.shapes[0].shape for o in io.note.occlusions}
        assert kinds == {1: "rect", 2: "polygon", 3: "ellipse"}
        assert (Path(col.media.dir()) / "trapezius.png").exists()
    finally:
        col.close()


def test_anki_image_occlusion_notes_convert_and_go_back(tmp_path):
    col = new_collection(tmp_path / "tutor")
    (tmp_path / "tutor" / "collection.media").mkdir(exist_ok=True)
    Image.new("RGB", (200, 100), "white").save(tmp_path / "arm.png")
    col.add_image_occlusion_notetype()
    notetype = col.models.by_name("Image Occlusion")
    field = (
        "{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.4}}"
        "{{c2::image-occlusion:polygon:points=.5,.1 .9,.1 .7,.5}}"
    )
    col.add_image_occlusion_note(
        notetype_id=notetype["id"],
        image_path=str(tmp_path / "arm.png"),
        occlusions=field,
        header="Arm <b>muscles</b>",
        back_extra="Biceps, triceps",
        tags=["arm"],
    )
    package = tmp_path / "tutor.apkg"
    col.export_anki_package(
        out_path=str(package), options=ExportAnkiPackageOptions(with_media=True), limit=None
    )
    col.close()

    out = tmp_path / "converted"
    converted = run("convert", package, "-o", out)
    assert converted.exit_code == 0, converted.output
    # The note keeps Anki's own note type (issue 22): its fields byte for byte ...
    assert "Image Occlusion → its own note type (1 templates): 1" in converted.output
    deck = load_deck(next(out.glob("*.toml")))
    [card] = deck.cards
    assert card.content.type == "note" and card.content.ords == [0, 1]
    assert card.content.fields[0] == field and card.content.fields[2] == "Arm <b>muscles</b>"
    # ... and StudyApp studies it as an occlusion: the picture, the shapes in its pixels.
    shown = faces(card.content.type, 0, "", "", card.content.stored_text)
    assert shown.question == "Arm **muscles**\n\n![](media/arm.png)"
    assert shown.answer == "Arm **muscles**\n\n![](media/arm.png)\n\nBiceps, triceps"
    shapes = note_occlusions(card.content.stored_text, out / "media" / "arm.png")
    assert shapes is not None and occlusion.shapes_text(shapes) == (
        "hide one\n1 rect 20 20 60 40\n2 polygon 100,10 180,10 140,50"
    )

    db = ("--db", tmp_path / "s.db")
    assert run(*db, "import", out).exit_code == 0
    assert run(*db, "export", "-o", tmp_path / "back.apkg").exit_code == 0
    anki = new_collection(tmp_path / "anki")
    try:
        import_into(anki, tmp_path / "back.apkg")
        [nid] = anki.find_notes("")
        io = anki.get_image_occlusion_note(nid)
        assert io.WhichOneof("value") == "note" and not io.note.occlude_inactive
        assert sorted(o.ordinal for o in io.note.occlusions) == [1, 2]
    finally:
        anki.close()
