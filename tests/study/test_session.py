from __future__ import annotations

from datetime import datetime, timedelta

from studyapp.deckfile.reader import load_deck
from studyapp.study.session import REDRILL_GAP, ReviewSession, Scope
from tests.conftest import TODAY, review_session


def clock():
    return datetime(2026, 11, 23, 12, 0)


def new_session(store, **kw):
    # Deck order, siblings not buried: these tests follow the queue card by card.
    kw.setdefault("bury_siblings", False)
    kw.setdefault("interleave", False)
    return review_session(store, today=TODAY, clock=clock, **kw)


def drain(session, grade=5, limit=100):
    seen = []
    while session.current() and limit:
        seen.append((session.current().id, session.current_kind))
        session.answer(grade)
        limit -= 1
    return seen


def test_new_cards_in_deck_order_then_done(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = new_session(store)
    assert session.counts().new == 5
    seen = drain(session)
    assert [kind for _, kind in seen] == ["new"] * 5
    ids = sorted(i for i, _ in seen)
    # Deck order, except that a sibling never comes straight after its sibling.
    assert [i for i, _ in seen] == [ids[0], ids[1], ids[3], ids[2], ids[4]]
    assert session.current() is None
    summary = session.summary()
    assert summary.reviewed == 5 and summary.accuracy == 1.0
    assert summary.new_waiting is False
    assert summary.next_due == TODAY + timedelta(days=1)
    assert summary.due_tomorrow == 5


def test_daily_new_limit_counts_earlier_sittings(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    first = new_session(store, new_per_day=2)
    assert first.counts().new == 2
    drain(first)
    assert new_session(store, new_per_day=2).counts().new == 0
    assert new_session(store, new_per_day=3).counts().new == 1


def test_due_reviews_come_first_most_overdue_first(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    ids = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]
    store.reviews.grade(ids[0], 4, today=TODAY - timedelta(days=5))
    store.reviews.grade(ids[4], 4, today=TODAY - timedelta(days=9))
    session = new_session(store)
    assert (session.current().id, session.current_kind) == (ids[4], "review")
    session.answer(5)
    assert session.current().id == ids[0]


def test_low_grade_redrills_until_four_without_touching_sm2(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = new_session(store)
    failed = session.current().id
    session.answer(2)
    state_after_fail = store.reviews.item_state(failed)
    order = []
    while session.current():
        item, kind = session.current().id, session.current_kind
        order.append((item, kind))
        if item == failed:
            session.answer(3 if order.count((failed, "redrill")) == 1 else 4)
        else:
            session.answer(5)
    # It came back after REDRILL_GAP other cards, twice (3 is still below 4).
    first_back = order.index((failed, "redrill"))
    assert first_back == REDRILL_GAP
    assert order.count((failed, "redrill")) == 2
    assert store.reviews.item_state(failed) == state_after_fail
    kinds = [r["kind"] for r in store.reviews.of(failed)]
    assert kinds == ["scheduled", "redrill", "redrill"]


def test_undo_chain_restores_states_and_shows_cards_again(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = new_session(store)
    a = session.current().id
    session.answer(1)
    b = session.current().id
    session.answer(5)
    assert session.counts().redrill == 1
    assert session.undo().id == b
    assert store.reviews.item_state(b).repetitions == 0 and store.reviews.of(b) == []
    assert session.undo().id == a
    assert store.reviews.item_state(a).due is None and store.reviews.of(a) == []
    assert session.counts().redrill == 0 and session.counts().new == 5
    assert session.undo() is None


def test_quit_midway_and_reopen_keeps_grades_and_owed_redrill(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = new_session(store)
    failed = session.current().id
    session.answer(1)
    session.answer(5)
    # A new sitting the same day: graded cards are not new any more, the re-drill is owed.
    again = new_session(store)
    assert again.counts().new == 3 and again.counts().redrill == 1
    assert (again.current().id, again.current_kind) == (failed, "redrill")


def test_suspend_and_bury_take_card_out(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = new_session(store)
    first = session.current().id
    session.suspend_current()
    second = session.current().id
    session.bury_current()
    assert session.counts().new == 3
    fresh = new_session(store)
    assert first not in [i for i, _ in drain(fresh)]
    tomorrow = review_session(
        store, today=TODAY + timedelta(days=1), clock=clock, bury_siblings=False
    )
    ids = [tomorrow.current().id]
    assert second in ids or second in [i for i, _ in drain(tomorrow)]


def test_scope_by_tag_and_deck(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    assert new_session(store, scope=Scope(tag="ltr")).counts().new == 2
    assert new_session(store, scope=Scope(tag="mechanism")).counts().new == 3
    assert new_session(store, scope=Scope(deck_id="sample")).counts().new == 5
    assert new_session(store, scope=Scope(deck_id="other")).current() is None


def test_preview_labels(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = new_session(store)
    assert session.preview() == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}


def test_owed_redrills_respect_the_scope(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    ltr = store.queues.new_item_ids(10, TODAY, tag="ltr")[0]
    store.reviews.grade(ltr, 1, today=TODAY)
    assert new_session(store, scope=Scope(tag="ltr")).counts().redrill == 1
    assert new_session(store, scope=Scope(tag="mechanism")).counts().redrill == 0
    assert new_session(store, scope=Scope(deck_id="sample")).counts().redrill == 1
    assert new_session(store, scope=Scope(deck_id="other")).counts().redrill == 0


def test_the_session_takes_the_settings_object(store, sample_deck):
    """ReviewSession reads the student's Settings itself: new cards a day, siblings,
    interleaving and the leech threshold, from the one object the app holds."""
    from studyapp.settings import Settings

    store.decks.import_([load_deck(sample_deck)])
    settings = Settings(new_per_day=2, leech_threshold=1, bury_siblings=False, interleave=False)
    session = ReviewSession(store, settings, today=TODAY, clock=clock)
    assert session.settings is settings
    assert session.counts().new == 2
    session.answer(1)  # the first fail of a threshold of one: a leech, suspended
    assert session.last_became_leech
    assert session.counts().redrill == 0  # a leech does not come back this session


def test_the_session_vocabulary_is_typed():
    import pytest

    from studyapp.study.session_records import SESSION_MODES, Redrill, session_mode

    assert SESSION_MODES == ("scheduled", "cram", "weak")
    assert session_mode("weak") == "weak"
    with pytest.raises(ValueError, match="unknown session mode 'exam'"):
        session_mode("exam")
    waiting = Redrill(item_id=7, gap=3)
    waiting.gap -= 1
    assert (waiting.item_id, waiting.gap) == (7, 2)
