"""An Image Occlusion note from Anki (issue 22: kept as its own note type) is studied as
StudyApp's occlusion cards are: the masks over the picture, the asked one lifted on reveal,
full-screen keeping them on."""

from __future__ import annotations

import shutil

import pytest
from textual_image.widget import HalfcellImage

from studyapp.anki.converted_files import finish_pending_media, stage_media
from studyapp.anki.note_cards import note_type_toml, toml_string
from studyapp.anki.notetypes import _IO_ANSWER, _IO_CSS, _IO_QUESTION, OCCLUSION_FIELDS
from studyapp.deckfile.notetypes import CardTemplate, NoteType
from studyapp.deckfile.reader import load_deck
from studyapp.settings import save_setting
from studyapp.store import Store
from studyapp.ui.widgets.card_image import CardImage
from tests.paths import FIXTURES
from tests.ui.test_card_images import drawn_pixel, settle

PICTURE = FIXTURES / "images" / "media" / "trapezius.png"
# The shapes of tests/fixtures/images/occlusion.toml (a 96x64 picture) as Anki writes them.
OCCLUSIONS = (
    "{{c1::image-occlusion:rect:left=.4167:top=0:width=.1667:height=.1563:oi=1}}"
    "{{c2::image-occlusion:polygon:points=.5,.0625 .9167,.3438 .5,.4688:oi=1}}"
    "{{c3::image-occlusion:ellipse:left=.0833:top=.25:width=.2083:height=.1875:oi=1}}"
)
IMAGE_OCCLUSION = NoteType(
    "Image Occlusion",
    1_700_000_000_006,
    True,
    OCCLUSION_FIELDS,
    (CardTemplate("Image Occlusion", _IO_QUESTION, _IO_ANSWER),),
    _IO_CSS,
)


@pytest.fixture(autouse=True)
def half_blocks(monkeypatch):
    monkeypatch.setattr(CardImage, "rendering", "halfcell")


@pytest.fixture
def anki_occlusion_store(tmp_path):
    folder = tmp_path / "deck"
    (folder / "media").mkdir(parents=True)
    shutil.copy(PICTURE, folder / "media" / "trapezius.png")
    values = {
        "Occlusion": OCCLUSIONS,
        "Image": '<img src="trapezius.png">',
        "Header": "Name the <b>masked</b> part.",
        "Back Extra": "1: the head; 2: upper fibres; 3: lower fibres.",
    }
    fields = ", ".join(f"{toml_string(k)} = {toml_string(v)}" for k, v in values.items())
    (folder / "io.toml").write_text(
        '[deck]\nid = "anki-io"\nname = "Anki IO"\n\n'
        + "\n".join(note_type_toml(IMAGE_OCCLUSION, IMAGE_OCCLUSION.name))
        + '\n\n[[cards]]\nid = "trapezius"\ntype = "note"\nnote_type = "Image Occlusion"\n'
        f"fields = {{ {fields} }}\n"
    )
    deck = load_deck(folder / "io.toml")
    store = Store.open(tmp_path / "ui.db")
    store.decks.import_([deck])
    finish_pending_media(store, stage_media(store, [deck.path], None))
    save_setting(store, "interleave", "off")
    save_setting(store, "bury_siblings", "off")
    yield store
    store.close()


async def test_an_anki_occlusion_note_is_studied_with_its_masks(anki_occlusion_store, make_app):
    from studyapp.occlusion import ASKED, OTHER

    app = make_app(anki_occlusion_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        item = screen.session.current()
        assert (item.content.type, item.ord) == ("note", 0)  # c1: the rect over the head
        assert "Name the **masked** part." in item.faces.question
        assert drawn_pixel(screen, (44, 5)) == ASKED
        assert drawn_pixel(screen, (18, 22)) == OTHER  # hide all: c3 masked too
        await pilot.press("f")
        await settle(pilot)
        full = app.screen.query_one(HalfcellImage).image
        assert full.getpixel((44, 5)) == ASKED  # full-screen keeps the answer hidden
        await pilot.press("escape")
        await pilot.press("space")
        await settle(pilot)
        assert drawn_pixel(screen, (44, 5)) != ASKED
        assert drawn_pixel(screen, (18, 22)) == OTHER
        assert "Toggle Masks" not in item.faces.answer  # Anki's button is no text


def test_anki_occlusion_front(snap_compare, anki_occlusion_store, make_app):
    async def run_before(pilot):
        await settle(pilot)

    app = make_app(anki_occlusion_store, start="review")
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
