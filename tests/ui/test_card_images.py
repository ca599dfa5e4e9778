"""Pictures on the review screen: drawn with half blocks (forced, for the same output in
every terminal), full-screen on `f`, alt text only with images off, a placeholder for a
file that went bad after import."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual_image.widget import HalfcellImage

from studyapp.anki.converted_files import finish_pending_media, stage_media
from studyapp.anki.notes import store_media_dir
from studyapp.deckfile.reader import load_deck
from studyapp.settings import save_setting
from studyapp.store import Store
from studyapp.ui.dialogs.picture import PictureScreen
from studyapp.ui.screens.review import ReviewScreen
from studyapp.ui.widgets.card_image import CardImage

FIXTURE = Path(__file__).parent.parent / "fixtures" / "images" / "anatomy.toml"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture(autouse=True)
def half_blocks(monkeypatch):
    monkeypatch.setattr(CardImage, "rendering", "halfcell")


@pytest.fixture
def picture_store(tmp_path):
    store = Store.open(tmp_path / "ui.db")
    deck = load_deck(FIXTURE)
    store.decks.import_([deck])
    finish_pending_media(store, stage_media(store, [deck.path], None))
    save_setting(store, "bury_siblings", "off")
    save_setting(store, "interleave", "off")
    yield store
    store.close()


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("press", [[], ["space"]], ids=["front", "back"])
def test_review_with_a_picture(snap_compare, picture_store, make_app, size, press):
    async def run_before(pilot):
        await settle(pilot)
        for key in press:
            await pilot.press(key)
            await settle(pilot)

    app = make_app(picture_store, start="review")
    assert snap_compare(app, run_before=run_before, terminal_size=size)


async def test_picture_loads_fits_and_opens_full_screen(picture_store, make_app):
    app = make_app(picture_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        picture = screen.query_one("#review-picture", CardImage)
        [drawn] = picture.query(HalfcellImage)
        card = screen.query_one("#review-card")
        assert 4 <= drawn.size.height <= card.size.height
        question = str(screen.query_one("#review-question").visual)
        assert "[image: The trapezius, back view]" in question

        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, PictureScreen)
        full = app.screen.query_one(HalfcellImage)
        assert full.size.height > drawn.size.height  # bigger than on the card
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_no_images_shows_the_alt_text_only(picture_store, make_app):
    app = make_app(picture_store, start="review", images=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.query_one("#review-picture").display
        assert not screen.query(HalfcellImage)
        assert "[image: The trapezius, back view]" in str(
            screen.query_one("#review-question").visual
        )
        await pilot.press("f")
        assert app.screen is screen  # nothing to open


async def test_the_images_setting_off_is_text_only(picture_store, make_app):
    save_setting(picture_store, "images", "off")
    app = make_app(picture_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query(HalfcellImage)


async def test_a_picture_damaged_after_import_shows_a_placeholder(picture_store, make_app):
    media = store_media_dir(picture_store)
    assert media is not None
    (media / "trapezius.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    app = make_app(picture_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        picture = app.screen.query_one("#review-picture", CardImage)
        assert not picture.query(HalfcellImage)
        label = str(picture.query_one(".card-image-label").visual)
        assert label.startswith("[image: The trapezius, back view]: trapezius.png ")
        await pilot.press("space", "4")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)  # the session goes on


async def test_card_detail_shows_the_picture_and_opens_it_full_screen(picture_store, make_app):
    from studyapp.ui.dialogs.card_detail import CardDetailScreen

    app = make_app(picture_store)
    async with app.run_test(size=(80, 24)) as pilot:
        item_id = picture_store.conn.execute("SELECT min(id) FROM items").fetchone()[0]
        app.push_screen(CardDetailScreen(item_id))
        await settle(pilot)
        detail = app.screen
        assert detail.query_one("#detail-picture", CardImage).query(HalfcellImage)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, PictureScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is detail


@pytest.mark.parametrize("size", SIZES)
def test_card_detail_with_a_picture(snap_compare, picture_store, make_app, size):
    from studyapp.ui.dialogs.card_detail import CardDetailScreen

    async def run_before(pilot):
        item_id = picture_store.conn.execute("SELECT min(id) FROM items").fetchone()[0]
        pilot.app.push_screen(CardDetailScreen(item_id))
        await settle(pilot)

    assert snap_compare(make_app(picture_store), run_before=run_before, terminal_size=size)


async def test_settings_dialog_switches_pictures_off(picture_store, make_app):
    from studyapp.settings import load_settings
    from studyapp.ui.dialogs.settings import SettingsScreen

    app = make_app(picture_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#set-images").value = False
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_settings(picture_store).images is False
    assert app.show_images is False


def test_review_no_images_reaches_the_app(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import studyapp.ui.app
    from studyapp.cli import cli

    seen = {}

    def fake_run(store, **options):
        seen.update(options)
        return 0

    monkeypatch.setattr(studyapp.ui.app, "run", fake_run)
    db = ["--db", str(tmp_path / "s.db")]
    assert CliRunner().invoke(cli, [*db, "import", str(FIXTURE)]).exit_code == 0
    assert CliRunner().invoke(cli, [*db, "review", "--no-images"]).exit_code == 0
    assert seen["images"] is False
    assert CliRunner().invoke(cli, [*db, "review"]).exit_code == 0
    assert seen["images"] is True
    done = CliRunner().invoke(cli, [*db, "settings", "images", "off"])
    assert done.exit_code == 0, done.output


@pytest.fixture
def occlusion_store(tmp_path):
    store = Store.open(tmp_path / "ui.db")
    deck = load_deck(FIXTURE.parent / "occlusion.toml")
    store.decks.import_([deck])
    finish_pending_media(store, stage_media(store, [deck.path], None))
    save_setting(store, "interleave", "off")
    yield store
    store.close()


def drawn_pixel(screen, point):
    [drawn] = screen.query_one("#review-picture", CardImage).query(HalfcellImage)
    return drawn.image.getpixel(point)


async def test_revealing_an_occlusion_lifts_its_mask(occlusion_store, make_app):
    from studyapp.occlusion import ASKED, OTHER

    app = make_app(occlusion_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.session.current().ord == 0  # occlusion 1: the rect over the head
        assert drawn_pixel(screen, (44, 5)) == ASKED
        assert drawn_pixel(screen, (18, 22)) == OTHER  # hide all: occlusion 3 masked too
        await pilot.press("f")
        await settle(pilot)
        full = app.screen.query_one(HalfcellImage).image
        assert full.getpixel((44, 5)) == ASKED  # full-screen keeps the answer hidden
        await pilot.press("escape")
        await pilot.press("space")
        await settle(pilot)
        assert drawn_pixel(screen, (44, 5)) != ASKED
        assert drawn_pixel(screen, (18, 22)) == OTHER
        assert "1: the head" in str(screen.query_one("#review-extra").visual)


@pytest.mark.parametrize("size", SIZES)
def test_occlusion_front(snap_compare, occlusion_store, make_app, size):
    async def run_before(pilot):
        await settle(pilot)

    app = make_app(occlusion_store, start="review")
    assert snap_compare(app, run_before=run_before, terminal_size=size)
