"""A long card says "↓ more below" while there is more below, and not once scrolled to its end."""

from __future__ import annotations

from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from studyapp.ui.screens.review import ReviewScreen
from studyapp.ui.widgets.review_card import SCROLL_HINT

LONG_BACK = "\\n".join(f"Line {n} of a long answer." for n in range(40))


async def test_more_below_goes_at_the_bottom(tmp_path, make_app):
    path = tmp_path / "long.toml"
    path.write_text(
        f'[deck]\nid = "long"\nname = "Long"\n[[cards]]\nid = "a"\nfront = "Long?"\n'
        f'back = "{LONG_BACK}"\n',
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "l.db")
    store.decks.import_([load_deck(path)])
    app = make_app(store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("space")
        await pilot.pause()
        card = app.screen.query_one("#review-card")
        assert str(card.border_subtitle).endswith(SCROLL_HINT)
        card.scroll_end(animate=False)
        await pilot.pause()
        assert not str(card.border_subtitle).endswith(SCROLL_HINT)
        card.scroll_home(animate=False)
        await pilot.pause()
        assert str(card.border_subtitle).endswith(SCROLL_HINT)
    store.close()
