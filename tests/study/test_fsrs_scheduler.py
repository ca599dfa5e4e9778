"""FSRS as a scheduler option: due dates from memory states, SM-2 kept beside, exact switches."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.memory.model import DEFAULT_PARAMETERS, Retrieval, step
from studyapp.settings import SETTING_HELP, Settings, load_settings, save_setting, save_settings
from studyapp.store import InputError, Store
from studyapp.store.memory import RETENTION_KEY, SCHEDULER_KEY
from tests.conftest import TODAY, review_session
from tests.paths import FIXTURES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FIXTURE_V1 = FIXTURES / "schema_v1.db"


def items_of(store: Store) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]


def expected_due(
    stability: float, last_day: date, retention: float, parameters=DEFAULT_PARAMETERS
) -> date:
    """FSRS-6's interval worked out here from its curve, independently of the code under test:
    R(t) = (1 + F t / S) ** -w20 with F = 0.9 ** (-1 / w20) - 1, solved for R(t) = retention."""
    w20 = parameters[20]
    factor = 0.9 ** (-1 / w20) - 1
    days = stability / factor * (retention ** (-1 / w20) - 1)
    return last_day + timedelta(days=max(1, min(36500, round(days))))


@pytest.fixture
def studied(store, sample_deck) -> Store:
    store.decks.import_([load_deck(sample_deck)])
    return store


# -- the settings -------------------------------------------------------------------------


def test_scheduler_settings_default_to_sm2_at_ninety_percent(studied):
    settings = load_settings(studied)
    assert settings.scheduler == "sm2" and settings.desired_retention == 0.90
    assert Settings().scheduler == "sm2"
    assert {"scheduler", "desired_retention"} <= SETTING_HELP.keys()
    # The store reads the same meta keys the settings are saved under.
    save_setting(studied, "scheduler", "FSRS")
    save_setting(studied, "desired_retention", "0.85")
    assert studied.get_meta(SCHEDULER_KEY) == "fsrs" and studied.memory.fsrs_scheduling()
    assert studied.get_meta(RETENTION_KEY) == "0.85" and studied.memory.desired_retention() == 0.85
    assert load_settings(studied).desired_retention == 0.85


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("scheduler", "anki", "scheduler must be sm2 or fsrs, not 'anki'"),
        ("desired_retention", "0.5", "desired_retention must be between 0.70 and 0.97, not 0.5"),
        ("desired_retention", "0.98", "desired_retention must be between 0.70 and 0.97"),
        ("desired_retention", "high", "desired_retention must be a number from 0.70 to 0.97"),
        ("desired_retention", "nan", "desired_retention must be between 0.70 and 0.97"),
    ],
)
def test_bad_scheduler_settings_are_refused_in_one_line(studied, name, value, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        save_setting(studied, name, value)
    # All or nothing: a bad value among good ones stores none of them.
    with pytest.raises(InputError):
        save_settings(studied, {"scheduler": "fsrs", name: value})
    assert studied.get_meta(SCHEDULER_KEY) is None


def test_cli_sets_shows_and_refuses_the_scheduler(tmp_path, no_bundled_decks):
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    ok = runner.invoke(cli, ["--db", db, "settings", "scheduler", "fsrs"])
    assert ok.exit_code == 0, ok.output
    listing = runner.invoke(cli, ["--db", db, "settings"]).output
    assert "scheduler = fsrs" in listing and "desired_retention = 0.90" in listing
    bad = runner.invoke(cli, ["--db", db, "settings", "desired_retention", "1.5"])
    assert bad.exit_code == 1
    assert bad.output.strip().count("\n") == 0 and "Traceback" not in bad.output
    assert "desired_retention must be between 0.70 and 0.97" in bad.output


# -- due dates ----------------------------------------------------------------------------


def test_fsrs_due_dates_equal_a_direct_computation_from_the_state(studied):
    save_setting(studied, "scheduler", "fsrs")
    item = items_of(studied)[0]
    for gap, grade in ((0, 4), (2, 3), (7, 1), (8, 5)):
        day = TODAY + timedelta(days=gap)
        studied.reviews.grade(item, grade, now=NOW, today=day)
        state = studied.memory.state(item)
        assert state is not None
        assert studied.fsrs.due_of(item) == expected_due(state.stability, state.last_day, 0.90)
    save_setting(studied, "desired_retention", "0.75")
    state = studied.memory.state(item)
    assert studied.fsrs.due_of(item) == expected_due(state.stability, state.last_day, 0.75)
    # A lower retention waits longer; the rebuild after a refit gives the same dates.
    log, newest = studied.memory.log()
    before = studied.fsrs.due_of(item)
    studied.memory.save(DEFAULT_PARAMETERS, log, newest)
    assert studied.fsrs.due_of(item) == before


def test_the_longest_fsrs_interval_is_capped_and_never_fuzzed(studied):
    item = items_of(studied)[0]
    studied.reviews.grade(item, 5, now=NOW, today=TODAY)
    studied.conn.execute("UPDATE memory_states SET stability = 1e9 WHERE item_id = ?", [item])
    save_setting(studied, "desired_retention", "0.70")
    assert studied.fsrs.due_of(item) == TODAY + timedelta(days=36500)
    save_setting(studied, "desired_retention", "0.80")
    save_setting(studied, "desired_retention", "0.70")
    assert studied.fsrs.due_of(item) == TODAY + timedelta(days=36500)


def test_the_queue_picks_fsrs_due_items_under_fsrs_and_sm2_due_ones_under_sm2(studied):
    first, second = items_of(studied)[:2]
    studied.reviews.grade(first, 5, now=NOW, today=TODAY)  # SM-2: 1 day; FSRS: 8
    studied.reviews.grade(second, 3, now=NOW, today=TODAY - timedelta(days=1))
    studied.reviews.grade(second, 3, now=NOW, today=TODAY)  # SM-2: 6 days; FSRS: 3
    sm2_due = {item: studied.reviews.item_state(item).due for item in (first, second)}
    fsrs_due = {item: studied.fsrs.due_of(item) for item in (first, second)}
    assert sm2_due[first] == TODAY + timedelta(days=1)
    assert fsrs_due[first] is not None and fsrs_due[first] > sm2_due[first]
    assert sm2_due[second] is not None and fsrs_due[second] is not None
    assert fsrs_due[second] < sm2_due[second]
    tomorrow = TODAY + timedelta(days=1)
    on_fsrs = fsrs_due[second]
    assert studied.queues.due_item_ids(tomorrow) == [first]
    assert studied.queues.due_item_ids(on_fsrs) == [first]
    save_setting(studied, "scheduler", "fsrs")
    assert studied.queues.due_item_ids(tomorrow) == []
    assert studied.queues.due_item_ids(on_fsrs) == [second]
    assert studied.queues.due_item_ids(on_fsrs - timedelta(days=1)) == []
    assert studied.queues.due_count_on(on_fsrs) == 1
    # Home's and `studyapp decks`' per-deck due counts agree with the queue.
    assert [d.due for d in studied.progress.deck_counts(on_fsrs)] == [1]
    assert [d.due for d in studied.progress.deck_counts(tomorrow)] == [0]
    assert studied.queues.next_due_date(on_fsrs - timedelta(days=1)) == on_fsrs
    assert studied.queues.cram_item_ids(TODAY, ahead_days=(on_fsrs - TODAY).days) == [second]
    # The session (daily queue) studies what the scheduler in use says is due.
    session = review_session(studied, today=on_fsrs, new_per_day=0)
    assert session.counts().review == 1 and session.current().id == second
    save_setting(studied, "scheduler", "sm2")
    assert studied.queues.due_item_ids(tomorrow) == [first]
    assert [d.due for d in studied.progress.deck_counts(tomorrow)] == [1]


def test_an_item_with_sm2_progress_but_no_logged_answer_keeps_its_sm2_due(studied):
    item = items_of(studied)[0]
    studied.conn.execute("UPDATE items SET due = ?, interval = 3 WHERE id = ?", [TODAY, item])
    save_setting(studied, "scheduler", "fsrs")
    assert studied.queues.due_item_ids(TODAY) == [item]


# -- switching, undo ----------------------------------------------------------------------


ANSWERS = [(0, 0, 4), (1, 0, 2), (0, 1, 5), (1, 1, 4), (2, 1, 3), (0, 7, 3), (1, 9, 1), (2, 9, 4)]


def answer_all(store: Store, answers, switch_at: dict[int, str]) -> None:
    items = items_of(store)
    for n, (which, gap, grade) in enumerate(answers):
        if n in switch_at:
            save_setting(store, "scheduler", switch_at[n])
        store.reviews.grade(items[which], grade, now=NOW, today=TODAY + timedelta(days=gap))


def snapshot(store: Store) -> tuple[object, ...]:
    items = items_of(store)
    return (
        [store.reviews.item_state(i) for i in items],
        [store.memory.state(i) for i in items],
        [store.fsrs.due_of(i) for i in items],
        [(r["item_id"], r["grade"], r["study_day"]) for i in items for r in store.reviews.of(i)],
    )


@pytest.mark.parametrize(
    "switch_at",
    [{3: "fsrs", 6: "sm2"}, {0: "fsrs", 3: "sm2", 6: "fsrs"}, {5: "fsrs"}],
    ids=["sm2-fsrs-sm2", "fsrs-sm2-fsrs", "sm2-fsrs"],
)
def test_switching_either_way_keeps_every_review_and_sm2_exactly(tmp_path, sample_deck, switch_at):
    stores = []
    for name, switches in (("plain", {}), ("switched", switch_at)):
        store = Store.open(tmp_path / f"{name}.db")
        store.decks.import_([load_deck(sample_deck)])
        answer_all(store, ANSWERS, switches)
        stores.append(store)
    plain, switched = stores
    # The SM-2 state, the memory state, the FSRS due date and the log are all the same
    # whichever scheduler was in use while the answers were given.
    assert snapshot(switched) == snapshot(plain)
    save_setting(switched, "scheduler", "sm2")
    assert switched.queues.due_item_ids(TODAY + timedelta(days=30)) == plain.queues.due_item_ids(
        TODAY + timedelta(days=30)
    )
    for store in stores:
        store.close()


def test_undo_under_fsrs_restores_the_fsrs_due_date_and_sm2(studied):
    save_setting(studied, "scheduler", "fsrs")
    item = items_of(studied)[0]
    studied.reviews.grade(item, 4, now=NOW, today=TODAY)
    due, sm2_state = studied.fsrs.due_of(item), studied.reviews.item_state(item)
    assert due is not None
    assert studied.queues.due_item_ids(due) == [item]
    result = studied.reviews.grade(item, 5, now=NOW, today=due)
    assert studied.fsrs.due_of(item) != due and studied.queues.due_item_ids(due) == []
    studied.reviews.undo(result.review_id)
    assert studied.fsrs.due_of(item) == due and studied.reviews.item_state(item) == sm2_state
    assert studied.queues.due_item_ids(due) == [item]


def test_undo_in_a_session_under_fsrs_brings_the_card_back(studied):
    save_setting(studied, "scheduler", "fsrs")
    item = items_of(studied)[0]
    studied.reviews.grade(item, 4, now=NOW, today=TODAY)
    due = studied.fsrs.due_of(item)
    assert due is not None
    session = review_session(studied, today=due, new_per_day=0)
    assert session.current() is not None and session.current().id == item
    session.answer(5)
    assert studied.fsrs.due_of(item) != due
    session.undo()
    assert (
        studied.fsrs.due_of(item) == due
        and session.current() is not None
        and session.current().id == item
    )


# -- the grade keys, a migrated database ----------------------------------------------------


def test_fsrs_preview_is_the_due_date_each_grade_would_give(studied):
    item = items_of(studied)[0]
    new_preview = studied.fsrs.preview(item, TODAY)
    for grade, days in new_preview.items():
        state = step(DEFAULT_PARAMETERS, None, Retrieval(TODAY, grade))
        assert TODAY + timedelta(days=days) == expected_due(state.stability, TODAY, 0.90)
    studied.reviews.grade(item, 4, now=NOW, today=TODAY)
    later = TODAY + timedelta(days=3)
    preview = studied.fsrs.preview(item, later)
    assert preview[0] < preview[3] < preview[4] < preview[5]
    studied.reviews.grade(item, 4, now=NOW, today=later)
    assert studied.fsrs.due_of(item) == later + timedelta(days=preview[4])


def test_a_migrated_database_gets_fsrs_due_dates(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE_V1, path)
    store = Store.open(path)
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(memory_states)")]
    assert "fsrs_due" in columns
    store.memory.refresh(NOW)
    rows = store.conn.execute("SELECT stability, last_day, fsrs_due FROM memory_states").fetchall()
    assert rows
    for stability, last_day, due in rows:
        expected = expected_due(
            stability, date.fromisoformat(last_day), 0.90, store.memory.parameters()
        )
        assert date.fromisoformat(due) == expected
    store.close()


def test_switching_to_fsrs_fills_due_dates_a_rebuild_has_not_yet(studied):
    studied.reviews.grade(items_of(studied)[0], 4, now=NOW, today=TODAY)
    path = Path(studied.database_file())
    studied.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE memory_states SET fsrs_due = NULL")
    conn.close()
    reopened = Store.open(path)
    save_setting(reopened, "scheduler", "fsrs")  # switching fills what is missing
    assert (
        reopened.conn.execute(
            "SELECT COUNT(*) FROM memory_states WHERE fsrs_due IS NULL"
        ).fetchone()[0]
        == 0
    )
    reopened.close()
