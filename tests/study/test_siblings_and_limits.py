"""Siblings, interleaving, one SM-2 review per card a day, undo of every action, new-card
limits per deck and Custom Study's extension."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from studyapp.deckfile.reader import load_deck
from studyapp.settings import extend_new_cards, load_settings, save_setting
from studyapp.store import StoreError
from studyapp.study.session import Scope, new_card_budget
from tests.conftest import TODAY, review_session


def clock():
    return datetime(2026, 11, 23, 12, 0)


def session_on(store, day=TODAY, **kw):
    return review_session(store, today=day, clock=clock, **kw)


def card_of(store, item_id):
    return store.queues.card_ids_of([item_id])[item_id]


def shown_order(session, grades=(5,), limit=500):
    """Answer every card (cycling through `grades`); the items in the order shown."""
    order = []
    while session.current() and len(order) < limit:
        order.append(session.current().id)
        session.answer(grades[len(order) % len(grades)])
    return order


def sibling_deck(write_deck, deck_id="sib", cards=12):
    body = [f'[deck]\nid = "{deck_id}"\nname = "Siblings {deck_id}"\n']
    for n in range(cards):
        if n % 2:
            body.append(
                f'[[cards]]\nid = "c{n}"\ntype = "cloze"\n'
                f'text = "{{{{c1::a{n}}}}} {{{{c2::b{n}}}}} {{{{c3::c{n}}}}}"\n'
            )
        else:
            body.append(
                f'[[cards]]\nid = "r{n}"\ntype = "reversed"\nfront = "f{n}"\nback = "b{n}"\n'
            )
    return load_deck(write_deck("\n".join(body), f"{deck_id}.toml"))


def assert_no_sibling_follows_its_sibling(store, order, unless_only_siblings_left=False):
    cards = [card_of(store, i) for i in order]
    for at in range(1, len(order)):
        if order[at] != order[at - 1] and cards[at] == cards[at - 1]:
            # Not buried, siblings are spread as far as the queue allows: only when
            # nothing but that card is left may one follow the other.
            assert unless_only_siblings_left and set(cards[at:]) == {cards[at]}, order[at]


def queue_of(session, queue="_review"):
    """The current card and what waits behind it in one of the session's queues."""
    return [session.current().id, *getattr(session, queue)]


@pytest.mark.parametrize("bury", [True, False])
@pytest.mark.parametrize("interleave", [True, False])
@pytest.mark.parametrize("grades", [(5,), (5, 2, 4, 1, 3)])
def test_a_sibling_never_follows_its_sibling_in_one_days_queue(
    store, write_deck, bury, interleave, grades
):
    store.decks.import_([sibling_deck(write_deck, "one"), sibling_deck(write_deck, "two")])
    # Yesterday's reviews make some of them due today, next to today's new cards.
    yesterday = TODAY - timedelta(days=1)
    first = session_on(store, day=yesterday, new_per_day=30, bury_siblings=False)
    shown_order(first, grades=(5, 4), limit=30)
    session = session_on(
        store, new_per_day=40, bury_siblings=bury, interleave=interleave, leech_threshold=8
    )
    assert session.counts().review > 0 and session.counts().new > 0
    order = shown_order(session, grades=grades)
    assert len(order) > 20
    assert_no_sibling_follows_its_sibling(store, order, unless_only_siblings_left=not bury)
    if bury:
        # Buried: at most one item of a card studied today, across sittings too.
        cards = {card_of(store, i) for i in order}
        assert len(cards) == len(set(order))
        again = session_on(store, new_per_day=100)
        assert all(card_of(store, i) not in cards for i in shown_order(again))


def test_buried_siblings_come_the_next_day(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    today = session_on(store)
    # basic-1, rev-1 forward, cloze-1 c1: one item per card.
    assert today.counts().new == 3
    shown = shown_order(today)
    tomorrow = session_on(store, day=TODAY + timedelta(days=1))
    assert tomorrow.counts().review == 3 and tomorrow.counts().new == 0
    shown_order(tomorrow)
    after = session_on(store, day=TODAY + timedelta(days=2))
    assert after.counts().new == 2
    assert set(shown_order(after)).isdisjoint(shown)


def test_reviews_are_interleaved_across_decks_in_an_order_fixed_for_the_day(store, write_deck):
    decks = [sibling_deck(write_deck, name, cards=20) for name in ("aa", "bb")]
    store.decks.import_(decks)
    for item in [r[0] for r in store.conn.execute("SELECT id FROM items")]:
        store.reviews.grade(item, 5, today=TODAY - timedelta(days=1))
    ordered = session_on(store, interleave=False, bury_siblings=False)
    shuffled = session_on(store, bury_siblings=False)
    again = session_on(store, bury_siblings=False)
    deck_order = queue_of(ordered)
    assert deck_order == sorted(deck_order)
    assert queue_of(shuffled) != deck_order
    assert sorted(queue_of(shuffled)) == deck_order
    assert queue_of(again) == queue_of(shuffled)
    first_half = {store.queues.item(i).deck_id for i in queue_of(shuffled)[:20]}
    assert first_half == {"aa", "bb"}


def test_no_card_is_rescheduled_twice_in_a_day_by_two_sessions(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    first = session_on(store)
    second = session_on(store)  # e.g. another terminal, or a stacked session
    card = first.current().id
    assert second.current().id == card
    first.answer(4)
    state = store.reviews.item_state(card)
    second.answer(5)
    assert store.reviews.item_state(card) == state  # 1 day, not 6
    kinds = [r["kind"] for r in store.reviews.of(card)]
    assert kinds == ["scheduled", "redrill"]


def test_undo_takes_back_suspend_bury_and_grades_in_order(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = session_on(store, bury_siblings=False, interleave=False)
    a = session.current().id
    session.answer(1)
    b = session.current().id
    session.suspend_current()
    c = session.current().id
    session.bury_current()
    assert store.queues.item(b).suspended and session.last_action() == "bury"
    assert session.undo().id == c
    assert store.conn.execute("SELECT buried_until FROM items WHERE id = ?", [c]).fetchone() == (
        None,
    )
    assert session.last_action() == "suspend"
    assert session.undo().id == b and not store.queues.item(b).suspended
    assert session.last_action() == "grade"
    assert session.undo().id == a and store.reviews.of(a) == []
    assert session.counts().redrill == 0 and not session.can_undo
    assert session.undo() is None


def test_undo_of_a_suspend_brings_back_an_owed_redrill(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = session_on(store, bury_siblings=False, interleave=False)
    failed = session.current().id
    session.answer(2)
    while session.current_kind != "redrill":
        session.answer(5)
    assert session.current().id == failed
    session.suspend_current()
    assert session.counts().redrill == 0
    session.undo()
    assert session.current().id == failed and session.current_kind == "redrill"


def test_each_decks_own_limit_and_the_total(store, write_deck):
    store.decks.import_([sibling_deck(write_deck, "aa"), sibling_deck(write_deck, "bb")])
    save_setting(store, "new_per_day.aa", "2")
    settings = load_settings(store)
    assert settings.deck_new_per_day == {"aa": 2}
    session = session_on(store, new_per_day=5, deck_new_per_day=settings.deck_new_per_day)
    decks = [store.queues.item(i).deck_id for i in queue_of(session, "_new")]
    assert decks.count("aa") == 2 and len(decks) == 5
    assert new_card_budget(store, TODAY, 5, settings.deck_new_per_day, "aa") == 2
    shown_order(session)
    assert new_card_budget(store, TODAY, 5, settings.deck_new_per_day, "aa") == 0
    save_setting(store, "new_per_day.aa", "default")
    assert load_settings(store).deck_new_per_day == {}
    with pytest.raises(StoreError, match="no deck"):
        save_setting(store, "new_per_day.nope", "3")


def test_extending_todays_limit_lets_a_new_deck_be_studied(store, sample_deck, write_deck):
    store.decks.import_([load_deck(sample_deck)])
    shown_order(session_on(store, new_per_day=3))
    store.decks.import_([sibling_deck(write_deck, "tutor", cards=4)])
    blocked = session_on(store, new_per_day=3, scope=Scope(deck_id="tutor"))
    assert blocked.current() is None and blocked.summary().new_waiting is True
    extend_new_cards(store, TODAY, 4)
    extended = session_on(store, new_per_day=3, scope=Scope(deck_id="tutor"))
    assert extended.counts().new == 4 and extended.new_limit_today() == 7
    # Only for today.
    assert new_card_budget(store, TODAY + timedelta(days=1), 3) == 3


def test_summary_limit_is_not_claimed_for_cards_set_aside(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = session_on(store, bury_siblings=False)
    session.suspend_current()
    session.bury_current()
    shown_order(session)
    assert session.summary().new_waiting is False


def test_due_tomorrow_counts_only_the_sessions_scope(store, sample_deck, write_deck):
    store.decks.import_([load_deck(sample_deck), sibling_deck(write_deck, "other", cards=2)])
    shown_order(session_on(store, scope=Scope(deck_id="other")))
    session = session_on(store, scope=Scope(deck_id="sample"))
    shown_order(session)
    summary = session.summary()
    assert summary.due_tomorrow == 3
    assert session_on(store).summary().due_tomorrow == 5


def test_time_studied_caps_each_answer(store, sample_deck):
    from studyapp.study.studytime import studied_ms, studied_text

    assert studied_ms([1000, None, 600_000]) == 61_000
    assert studied_text(59_000) == "under a minute"
    assert studied_text(4 * 60_000) == "4 min"
    store.decks.import_([load_deck(sample_deck)])
    session = session_on(store)
    session._shown_at -= 3600  # the card sat on screen for an hour
    session.answer(5)
    assert session.summary().seconds == 60
