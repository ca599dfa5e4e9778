"""Time to first card: what `studyapp review` must not load or redo before the card is painted.

Each of these costs start-up time that no plain review needs (tests/benchmarks/bench.py
measures first_card_s): the export code and what it brings (genanki, PyYAML, the deck-file
parser and the note-type renderer), the exam planner and py-fsrs when no exam is set, and
the memory model's fitting, evaluation and simulation (background and Stats work).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from studyapp.bundled import set_up_store
from studyapp.deckfile.reader import load_deck
from studyapp.store import Store

# Run in a fresh interpreter: the app to its first card, then what got imported.
FIRST_CARD_CHILD = textwrap.dedent("""
    import json, sys
    from studyapp.store import Store
    from studyapp.ui.app import create_app
    from studyapp.ui.screens.review import ReviewScreen

    async def until_first_card(pilot):
        app = pilot.app
        while not (isinstance(app.screen, ReviewScreen)
                   and app.screen.session.current() is not None
                   and str(app.screen.query_one("#review-question").visual)):
            await pilot.pause()
        await pilot.pause()
        app.exit()

    app = create_app(Store.open(sys.argv[1]), start="review")
    app.run(headless=True, size=(80, 24), auto_pilot=until_first_card)
    print(json.dumps(sorted(sys.modules)))
""")

NOT_ON_THE_WAY_TO_THE_FIRST_CARD = {
    "markdown_it",  # a cloze's answer is Markdown: rendered when it is shown
    "genanki",
    "yaml",
    "chevron",
    "fsrs",  # py-fsrs: the exam planner's
    "tomllib",
    "studyapp.anki",
    "studyapp.deckfile.reader",
    "studyapp.deckfile.notetypes",
    "studyapp.deckfile.templates",
    "studyapp.study.exam_plan",
    "studyapp.study.exam_recall",
    "studyapp.study.exam_recall_plan",
    "studyapp.study.exam_tactic",
    "studyapp.memory.evaluate",
    "studyapp.memory.simulate",
    "studyapp.sync.folder",
    "studyapp.sync.eventfile",
    "studyapp.ui.dialogs.card_editor",  # and Textual's text area: when a card is edited
    "textual.widgets._text_area",
}


def modules_at_first_card(db_path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CARD_CHILD, str(db_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


# A cloze first: its question is plain text, its answer marks the deletion in Markdown.
CLOZE_FIRST_DECK = """\
[deck]
id = "cloze-first"
name = "Cloze first"

[[cards]]
id = "cloze-1"
type = "cloze"
text = "Pressure may gate nociception via the {{c1::Gate Control Theory}}."

[[cards]]
id = "basic-1"
front = "What does pressure gate?"
back = "Nociception"
"""


def test_the_first_card_loads_no_export_code_exam_planner_or_markdown(tmp_path):
    path = tmp_path / "cloze-first.toml"
    path.write_text(CLOZE_FIRST_DECK, encoding="utf-8")
    store = Store.open(tmp_path / "first.db")
    store.decks.import_([load_deck(path)])
    # As after the first start: the bundled decks are in, so nothing needs the parser.
    set_up_store(store)
    store.close()
    loaded = modules_at_first_card(tmp_path / "first.db")
    assert {m for m in loaded if m.split(".")[0] == "studyapp"} >= {"studyapp.ui.screens.review"}
    assert loaded & NOT_ON_THE_WAY_TO_THE_FIRST_CARD == set()


async def test_the_back_is_filled_as_it_is_shown(tmp_path, make_app):
    from studyapp.ui.screens.review import ReviewScreen

    path = tmp_path / "cloze-first.toml"
    path.write_text(CLOZE_FIRST_DECK, encoding="utf-8")
    store = Store.open(tmp_path / "first.db")
    store.decks.import_([load_deck(path)])
    app = make_app(store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.query_one("#review-answer").display is False
        await pilot.press("space")
        answer = screen.query_one("#review-answer")
        assert answer.display and "Gate Control Theory" in str(answer.visual)
        await pilot.press("4", "space")  # the next card's back is its own
        assert "Nociception" in str(screen.query_one("#review-answer").visual)
    store.close()


async def test_the_card_is_filled_once_as_it_is_shown_and_again_on_a_real_resize(
    sample_store, make_app, monkeypatch
):
    """Each refill is another layout pass before the first card is painted."""
    from studyapp.ui.screens.review import ReviewScreen

    fills: list[int] = []
    original = ReviewScreen._fill_card

    def counted(screen, item):
        fills.append(screen._text_width())
        original(screen, item)

    monkeypatch.setattr(ReviewScreen, "_fill_card", counted)
    app = make_app(sample_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert len(fills) == 1
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        await pilot.pause()
        assert len(fills) == 2 and fills[-1] < fills[0]
        question = app.screen.query_one("#review-question")
        assert "What does pressure gate?" in str(question.visual)


async def test_an_unchanged_scroll_hint_does_not_repaint_the_card(sample_store, make_app):
    """The hint is checked after each refresh that may change the card's length; setting
    a border title repaints the whole card, so it is set only when it changes."""
    app = make_app(sample_store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        card = screen.query_one("#review-card")
        repaints: list[object] = []
        original = card.refresh
        card.refresh = lambda *a, **k: repaints.append(a) or original(*a, **k)
        screen._update_scroll_hint()
        assert repaints == []
        assert str(card.border_subtitle) == "new"
