"""Stats from constructed review logs with known answers."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from studyapp import stats
from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from studyapp.study.session import ReviewSession, Scope
from tests.conftest import TODAY, review_session


@pytest.fixture
def loaded(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    return store


def ids(store):
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]


def set_state(store, item, *, due, interval, reps=3, ef=250, suspended=0):
    store.conn.execute(
        "UPDATE items SET due = ?, interval = ?, repetitions = ?, ef = ?, "
        "suspended = ? WHERE id = ?",
        [due.isoformat() if due else None, interval, reps, ef, suspended, item],
    )


def test_forecast_counts_overdue_today_and_each_day(loaded):
    a, b, c, d, e = ids(loaded)
    set_state(loaded, a, due=TODAY - timedelta(days=5), interval=3)  # overdue -> today
    set_state(loaded, b, due=TODAY, interval=3)
    set_state(loaded, c, due=TODAY + timedelta(days=2), interval=3)
    set_state(loaded, d, due=TODAY + timedelta(days=29), interval=30)
    set_state(loaded, e, due=TODAY + timedelta(days=30), interval=30)  # beyond the window
    forecast = stats.forecast(loaded, TODAY)
    assert len(forecast) == 30
    assert forecast[0] == 2 and forecast[2] == 1 and forecast[29] == 1 and sum(forecast) == 4


def test_retention_windows_and_young_mature_split(loaded):
    a, b, c, *_ = ids(loaded)
    # First sight does not count for retention.
    loaded.reviews.grade(a, 5, today=TODAY - timedelta(days=40))
    # Young reviews (interval < 21) in the last week: one pass, one fail.
    set_state(loaded, a, due=TODAY, interval=6)
    loaded.reviews.grade(a, 4, today=TODAY - timedelta(days=1))
    set_state(loaded, b, due=TODAY, interval=6)
    loaded.reviews.grade(b, 2, today=TODAY - timedelta(days=2))
    # A mature review 20 days ago, passed.
    set_state(loaded, c, due=TODAY, interval=30)
    loaded.reviews.grade(c, 3, today=TODAY - timedelta(days=20))
    # Re-drills and cram never count.
    loaded.reviews.grade(b, 5, today=TODAY - timedelta(days=2), kind="redrill")
    loaded.reviews.grade(c, 0, today=TODAY, kind="cram")
    r = stats.retention(loaded, TODAY)
    assert (r["last_7_days"]["overall"].rate, r["last_7_days"]["overall"].reviews) == (0.5, 2)
    assert r["last_7_days"]["mature"].rate is None
    assert (r["last_30_days"]["overall"].rate, r["last_30_days"]["overall"].reviews) == (2 / 3, 3)
    assert (r["last_30_days"]["mature"].rate, r["last_30_days"]["mature"].reviews) == (1.0, 1)
    assert (r["all_time"]["young"].rate, r["all_time"]["young"].reviews) == (0.5, 2)


def test_mastery_per_tag(loaded):
    a, _b, _c, d, _e = ids(loaded)  # a, d, e are gate-control; b, c are ltr
    set_state(loaded, a, due=TODAY + timedelta(days=30), interval=30, ef=260)
    set_state(loaded, d, due=TODAY + timedelta(days=3), interval=6, ef=170)
    topics = {m.tag: m for m in stats.mastery(loaded, TODAY)}
    gate = topics["mechanism::gate-control"]
    assert (gate.cards, gate.mature) == (3, 1)
    assert gate.mature_share == pytest.approx(1 / 3)
    assert [w.item_id for w in gate.weakest] == [d, a]
    assert topics["mechanism"].cards == 3  # parent tags roll up their children
    assert topics["ltr"].mature == 0
    # The four core mechanisms come first when present.
    assert stats.mastery(loaded, TODAY)[0].tag == "mechanism::gate-control"


def test_angle_tags_are_not_topics(store, write_deck):
    path = write_deck(
        '[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "a"\nfront = "q"\nback = "a"\n'
        'tags = ["mechanism::blood-flow", "angle::claim"]\n'
    )
    store.decks.import_([load_deck(path)])
    topics = [m.tag for m in stats.mastery(store, TODAY)]
    assert topics == ["mechanism", "mechanism::blood-flow"]


def test_streak_counts_consecutive_days(loaded):
    a = ids(loaded)[0]
    for back in (0, 1, 2, 4):
        loaded.reviews.grade(a, 5, today=TODAY - timedelta(days=back))
    assert loaded.progress.streak_days(TODAY) == 3
    # Not studied yet today: yesterday's streak still stands.
    assert loaded.progress.streak_days(TODAY + timedelta(days=1)) == 3
    assert loaded.progress.streak_days(TODAY + timedelta(days=2)) == 0


def test_heatmap_and_states(loaded):
    a, b, *_ = ids(loaded)
    loaded.reviews.grade(a, 5, today=TODAY - timedelta(days=3))
    loaded.reviews.grade(b, 5, today=TODAY - timedelta(days=3))
    loaded.reviews.grade(b, 5, today=TODAY - timedelta(days=400))  # outside six months
    assert stats.heatmap(loaded, TODAY) == {(TODAY - timedelta(days=3)).isoformat(): 2}
    loaded.reviews.set_suspended(ids(loaded)[4], True)
    states = stats.states(loaded)
    # a: one pass (1-day step) -> learning; b: two passes (interval 6) -> young.
    assert states == {
        "new": 2,
        "learning": 1,
        "young": 1,
        "mature": 0,
        "suspended": 1,
        "retired": 0,
    }


def test_leech_at_threshold_is_flagged_and_suspended_and_undo_reverts(loaded):
    a = ids(loaded)[0]
    results = [
        loaded.reviews.grade(a, 1, today=TODAY - timedelta(days=10 - n), leech_threshold=3)
        for n in range(3)
    ]
    assert [r.became_leech for r in results] == [False, False, True]
    assert loaded.queues.item(a).suspended
    [leech] = stats.leeches(loaded)
    assert (leech.item_id, leech.fails, leech.suspended) == (a, 3, True)
    loaded.reviews.undo(results[-1].review_id, leech_threshold=3)
    assert not loaded.queues.item(a).suspended and stats.leeches(loaded) == []


def test_session_leech_does_not_come_back(loaded):
    session = review_session(loaded, today=TODAY, leech_threshold=1)
    first = session.current().id
    session.answer(0)
    assert session.last_became_leech and session.counts().redrill == 0
    assert first not in [session.current().id]


def test_cram_leaves_sm2_state_untouched(loaded):
    # Seen cards (cram leaves never-seen ones out; see the test below).
    for item in ids(loaded):
        set_state(loaded, item, due=TODAY + timedelta(days=2), interval=3)
    before = {i: loaded.reviews.item_state(i) for i in ids(loaded)}
    session = ReviewSession(loaded, today=TODAY, mode="cram", scope=Scope(tag="mechanism"))
    assert session.counts().review == 3
    while session.current():
        session.answer(1 if session.counts().done == 0 else 5)
    assert {i: loaded.reviews.item_state(i) for i in ids(loaded)} == before
    kinds = {r[0] for r in loaded.conn.execute("SELECT kind FROM reviews")}
    assert kinds == {"cram"}
    assert loaded.progress.summary(TODAY)["reviews"] == 0


def test_cram_without_ahead_leaves_never_seen_cards_out(loaded):
    """Issue 21: `review --cram` studies what was seen; a never-seen card's first answer
    is the scheduled review that starts it, which cram would not write."""
    a, b, *_ = ids(loaded)
    set_state(loaded, b, due=TODAY + timedelta(days=9), interval=10)
    set_state(loaded, a, due=TODAY + timedelta(days=4), interval=5)
    session = ReviewSession(loaded, today=TODAY, mode="cram")
    order = []
    while session.current():
        order.append(session.current().id)
        session.answer(5)
    assert order == [a, b]
    # The tag's two cloze items were never seen: only its basic card is crammed.
    topic = ReviewSession(loaded, today=TODAY, mode="cram", scope=Scope(tag="mechanism"))
    assert topic.counts().review == 1 and topic.current().id == a


def test_cram_ahead_takes_what_is_due_soon(loaded):
    a, b, *_ = ids(loaded)
    set_state(loaded, a, due=TODAY + timedelta(days=3), interval=6)
    set_state(loaded, b, due=TODAY + timedelta(days=20), interval=30)
    session = ReviewSession(loaded, today=TODAY, mode="cram", ahead_days=7)
    assert session.counts().review == 1 and session.current().id == a


def test_weak_spots_picks_lowest_ef_then_most_lapses(loaded):
    a, b, _c, d, _e = ids(loaded)
    set_state(loaded, a, due=TODAY, interval=1, ef=200)
    set_state(loaded, b, due=TODAY, interval=1, ef=150)
    set_state(loaded, d, due=TODAY, interval=1, ef=150)
    loaded.conn.execute("UPDATE items SET lapses = 4 WHERE id = ?", [d])
    session = ReviewSession(loaded, today=TODAY, mode="weak", weak_limit=2)
    order = []
    while session.current():
        order.append(session.current().id)
        session.answer(5)
    assert order == [d, b]
    assert loaded.reviews.item_state(d).ef_hundredths == 150


def test_stats_json_keeps_old_keys_and_adds_new(tmp_path, sample_deck):
    runner = CliRunner()
    db = ["--db", str(tmp_path / "j.db")]
    runner.invoke(cli, [*db, "import", str(sample_deck)])
    data = json.loads(runner.invoke(cli, [*db, "stats", "--json"]).output)
    for key in (
        "cards",
        "new",
        "due_today",
        "reviews",
        "decks",
        "forecast",
        "heatmap",
        "retention",
        "mastery",
        "streak_days",
        "leeches",
    ):
        assert key in data
    assert len(data["forecast"]) == 30
    assert data["mastery"]["mechanism::gate-control"]["cards"] == 3
    text = runner.invoke(cli, [*db, "stats"])
    assert text.exit_code == 0 and "Mastery by topic" in text.output


def test_stats_on_empty_database():
    store = Store.in_memory()
    figures = stats.compute(store, date(2026, 1, 1))
    assert figures.forecast == [0] * 30 and figures.mastery == [] and figures.leeches == []
    from studyapp.report import sections

    assert len(sections(figures)) == 8


def test_cram_summary_does_not_mention_the_new_card_limit(loaded):
    session = ReviewSession(loaded, today=TODAY, mode="cram", scope=Scope(tag="ltr"))
    while session.current():
        session.answer(5)
    assert session.summary().new_waiting is False
    limited = review_session(loaded, today=TODAY, new_per_day=1)
    # Not met until the one new card of the day is answered.
    assert limited.summary().new_waiting is False
    limited.answer(5)
    assert limited.summary().new_waiting is True


@pytest.mark.parametrize(
    ("tag", "width", "shown"),
    [
        ("mechanism::blood-flow", 45, "mechanism::blood-flow"),
        (
            "mechanism::neuromuscular-reset::endplate-dysfunction",
            45,
            "mechanism::…::endplate-dysfunction",
        ),
        ("mechanism::neuromuscular-reset::endplate-dysfunction", 21, "…endplate-dysfunction"),
        ("a-very-long-single-level-topic-name", 12, "…-topic-name"),
    ],
)
def test_long_topics_keep_their_last_level_in_a_narrow_table(tag, width, shown):
    from studyapp.report import fit_tag

    assert fit_tag(tag, width) == shown
    assert len(fit_tag(tag, width)) <= width


def test_totals_agree_with_the_states_when_a_card_is_suspended(loaded, no_bundled_decks):
    a, *_ = ids(loaded)
    loaded.reviews.set_suspended(a, True)
    summary = loaded.progress.summary(TODAY)
    states = stats.states(loaded)
    assert (summary["cards"], summary["suspended"]) == (4, 1)
    assert sum(n for state, n in states.items() if state != "retired") == 5
    assert summary["cards"] + summary["suspended"] == 5
    path = loaded.database_file()
    shown = CliRunner().invoke(cli, ["--db", path, "stats"], env={"COLUMNS": "100"}).output
    assert shown.splitlines()[0].startswith("Cards 4 (+1 suspended)   New 4")
