"""FSRS-6 memory states beside SM-2: mapping, replay == incremental, fitting, honesty."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.deckfile.reader import load_deck
from studyapp.memory.evaluate import evaluate
from studyapp.memory.fit import MIN_REVIEWS_TO_FIT, fit, needs_fit
from studyapp.memory.model import (
    DEFAULT_PARAMETERS,
    Retrieval,
    rating_for,
    replay,
    retrievability,
    step,
)
from studyapp.store import Store
from studyapp.study.session import Scope
from tests.conftest import TODAY
from tests.memory_learner import TRUE_PARAMETERS, simulate
from tests.paths import FIXTURES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FIXTURE_V1 = FIXTURES / "schema_v1.db"

retrievals = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from([0, 0, 1, 2, 5, 30, 200])), min_size=1, max_size=15
)


def as_log(pairs: list[tuple[int, int]]) -> list[Retrieval]:
    day, log = date(2026, 1, 1), []
    for grade, gap in pairs:
        day += timedelta(days=gap)
        log.append(Retrieval(day, grade))
    return log


def test_grades_map_to_ratings_fails_again_passes_in_order():
    assert [rating_for(g) for g in range(6)] == [1, 1, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        rating_for(6)


@given(retrievals)
def test_replay_equals_stepping_one_answer_at_a_time(pairs):
    log = as_log(pairs)
    state = None
    for retrieval in log:
        state = step(DEFAULT_PARAMETERS, state, retrieval)
    assert replay(DEFAULT_PARAMETERS, log) == state
    assert state is not None and state.reviews == len(log) and state.last_day == log[-1].day


def test_recall_is_ninety_percent_after_one_stability_and_falls():
    assert retrievability(DEFAULT_PARAMETERS, 10.0, 10.0) == pytest.approx(0.9)
    assert retrievability(DEFAULT_PARAMETERS, 10.0, 0.0) == 1.0
    assert retrievability(DEFAULT_PARAMETERS, 10.0, 30.0) < 0.9


def test_a_fail_lowers_stability_and_a_pass_after_a_gap_raises_it():
    first = step(DEFAULT_PARAMETERS, None, Retrieval(date(2026, 1, 1), 4))
    passed = step(DEFAULT_PARAMETERS, first, Retrieval(date(2026, 1, 4), 4))
    failed = step(DEFAULT_PARAMETERS, first, Retrieval(date(2026, 1, 4), 1))
    assert failed.stability < first.stability < passed.stability
    assert failed.difficulty > passed.difficulty


# -- the store: kept in the grading transaction, undo, rebuild -------------------------


def stored_items(store: Store) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]


actions = st.lists(
    st.tuples(
        st.integers(0, 3),  # which item
        st.integers(0, 5),  # grade
        st.sampled_from(["scheduled", "scheduled", "redrill", "cram", "exam"]),
        st.sampled_from([0, 0, 1, 3, 20]),  # days later
        st.booleans(),  # undo it straight away
    ),
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions)
def test_incremental_states_equal_a_replay_of_the_log(tmp_path_factory, sample_deck, steps):
    store = Store.open(tmp_path_factory.mktemp("db") / "study.db")
    store.decks.import_([load_deck(sample_deck)])
    items = stored_items(store)
    day = TODAY
    for which, grade, kind, gap, undo in steps:
        day += timedelta(days=gap)
        result = store.reviews.grade(items[which], grade, now=NOW, today=day, kind=kind)
        if undo:
            store.reviews.undo(result.review_id)
    incremental = {item: store.memory.state(item) for item in items}
    for item in items:
        log = [
            Retrieval(date.fromisoformat(r["study_day"]), r["grade"])
            for r in store.reviews.of(item)
        ]
        assert incremental[item] == replay(DEFAULT_PARAMETERS, log)
    log, newest = store.memory.log()
    store.memory.save(DEFAULT_PARAMETERS, log, newest)
    assert {item: store.memory.state(item) for item in items} == incremental
    store.close()


def test_every_kind_of_answer_moves_memory_and_undo_restores_it(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = stored_items(store)[0]
    store.reviews.grade(item, 4, now=NOW, today=TODAY)
    first = store.memory.state(item)
    cram = store.reviews.grade(item, 1, now=NOW, today=TODAY + timedelta(days=2), kind="cram")
    assert store.memory.state(item) != first  # SM-2 ignores cram; memory does not
    assert store.memory.state(item).reviews == 2
    store.reviews.undo(cram.review_id)
    assert store.memory.state(item) == first


def test_a_failed_grade_leaves_memory_untouched(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = stored_items(store)[0]
    store.conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON reviews BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(Exception):  # noqa: B017 - the store's error, whatever its class
        store.reviews.grade(item, 5, now=NOW, today=TODAY)
    assert store.memory.state(item) is None


def test_answers_given_during_a_rebuild_are_not_lost(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    a, b = stored_items(store)[:2]
    store.reviews.grade(a, 4, now=NOW, today=TODAY)
    log, newest = store.memory.log()  # the rebuild reads here …
    store.reviews.grade(b, 3, now=NOW, today=TODAY)  # … an answer arrives …
    latest = store.reviews.grade(a, 5, now=NOW, today=TODAY + timedelta(days=3))
    store.reviews.undo(latest.review_id)
    store.memory.save(DEFAULT_PARAMETERS, log, newest)  # … and it writes
    assert store.memory.state(b) is not None and store.memory.state(b).reviews == 1
    assert store.memory.state(a).reviews == 1


def test_an_upgraded_database_rebuilds_its_states_by_replay(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE_V1, path)
    store = Store.open(path)
    assert store.get_meta("memory_stale") == "1"
    assert store.conn.execute("SELECT COUNT(*) FROM memory_states").fetchone()[0] == 0
    assert store.memory.refresh(NOW) == "memory states rebuilt"
    reviewed = [r[0] for r in store.conn.execute("SELECT DISTINCT item_id FROM reviews")]
    for item in reviewed:
        log = [
            Retrieval(date.fromisoformat(r["study_day"]), r["grade"])
            for r in store.reviews.of(item)
        ]
        assert store.memory.state(item) == replay(DEFAULT_PARAMETERS, log)
    assert store.get_meta("memory_stale") is None
    assert store.memory.refresh(NOW) is None
    store.close()


# -- fitting and honesty, on a learner whose parameters only the test knows ------------


@pytest.fixture(scope="module")
def learner_log():
    return simulate(items=500, days=240, seed=11)


def test_defaults_until_enough_reviews_then_refit_as_the_log_grows():
    assert fit(simulate(items=40, days=30)) == DEFAULT_PARAMETERS
    assert not needs_fit(MIN_REVIEWS_TO_FIT - 1, None)
    assert needs_fit(MIN_REVIEWS_TO_FIT, None)
    assert not needs_fit(MIN_REVIEWS_TO_FIT + 100, MIN_REVIEWS_TO_FIT)
    assert needs_fit(int(MIN_REVIEWS_TO_FIT * 1.2), MIN_REVIEWS_TO_FIT)


def test_fitted_beats_defaults_beats_sm2_beats_a_constant(learner_log):
    result = evaluate(learner_log)
    assert result is not None and result.reviews > 500
    assert result.fitted.log_loss < result.defaults.log_loss < result.sm2.log_loss
    assert result.sm2.log_loss < result.constant.log_loss
    assert result.fitted.rmse_bins < result.defaults.rmse_bins


def test_fitted_predictions_are_calibrated(learner_log):
    # Fitted on the whole log, the model's mean prediction per bin is close to
    # the recall the learner really showed.
    result = evaluate(learner_log, fitter=lambda _past: fit(learner_log))
    assert result is not None and result.fitted.rmse_bins < 0.06


def test_the_fit_moves_towards_the_learners_true_parameters(learner_log):
    fitted = fit(learner_log)
    # This learner's first-answer stabilities are far below the defaults.
    for i in range(3):
        assert abs(fitted[i] - TRUE_PARAMETERS[i]) < abs(DEFAULT_PARAMETERS[i] - TRUE_PARAMETERS[i])


def test_refresh_fits_records_date_reviews_and_quality_then_rebuilds(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    items = stored_items(store)
    for i, review in enumerate(simulate(items=200, days=150, seed=3)):
        store.reviews.grade(
            items[review.item_id % len(items)], review.grade, now=NOW, today=review.day
        )
        if i > MIN_REVIEWS_TO_FIT + 50:
            break
    assert store.memory.last_fit() is None
    assert store.memory.refresh(NOW).startswith("memory model fitted on")
    record = store.memory.last_fit()
    assert record is not None and record.fitted_at == NOW and record.reviews > MIN_REVIEWS_TO_FIT
    assert record.evaluation is not None and record.parameters == store.memory.parameters()
    assert record.parameters == fit(store.memory.log()[0])
    for item in items:
        log = [
            Retrieval(date.fromisoformat(r["study_day"]), r["grade"])
            for r in store.reviews.of(item)
        ]
        assert store.memory.state(item) == replay(record.parameters, log)
    assert store.memory.refresh(NOW) is None


# -- used where the student looks: weak spots and cram, weakest first --------------------


def test_weak_spots_and_topic_cram_come_weakest_first(store, sample_deck):
    from studyapp.study.session import ReviewSession

    store.decks.import_([load_deck(sample_deck)])
    a, b, c, d, *_ = stored_items(store)
    start = TODAY - timedelta(days=40)
    # a: long remembered, seen yesterday; b: failed a month ago; c: learned, 20 days ago.
    for item, answers in {
        a: [(start, 5), (start + timedelta(days=5), 5), (TODAY - timedelta(days=1), 5)],
        b: [(start + timedelta(days=10), 1)],
        c: [(start + timedelta(days=15), 4), (start + timedelta(days=20), 4)],
    }.items():
        for day, grade in answers:
            store.reviews.grade(item, grade, now=NOW, today=day)
    recall = {
        i: retrievability(DEFAULT_PARAMETERS, s.stability, (TODAY - s.last_day).days)
        for i in (a, b, c)
        if (s := store.memory.state(i))
    }
    weakest_first = sorted(recall, key=recall.__getitem__)
    assert weakest_first == [b, c, a]
    session = ReviewSession(store, today=TODAY, mode="weak", weak_limit=2)
    assert [session.current().id] == weakest_first[:1] and session.counts().review == 2
    assert store.recall.by_predicted_recall([d, a, b, c], TODAY, None, None) == [b, c, a, d]
    cram = ReviewSession(store, today=TODAY, mode="cram", scope=Scope(deck_id="sample"))
    order = []
    while cram.current():
        order.append(cram.current().id)
        cram.answer(5)
    # b and c are one reversed card's two sides, which the session keeps apart.
    assert order[0] == b and set(order[:3]) == {a, b, c}


# -- honest about it: stats --json and the line a student reads ------------------------


def big_deck(write_deck, cards: int = 150) -> Path:
    body = '[deck]\nid = "big"\nname = "Big"\n' + "".join(
        f'\n[[cards]]\nid = "c{i}"\nfront = "Q{i}"\nback = "A{i}"\ntags = ["t{i % 3}"]\n'
        for i in range(cards)
    )
    return write_deck(body, "big.toml")


def grade_learner_log(store: Store, reviews: int) -> None:
    items = stored_items(store)
    with store.transaction():
        for review in simulate(items=len(items), days=400, seed=5)[:reviews]:
            moment = datetime(review.day.year, review.day.month, review.day.day, 12, tzinfo=UTC)
            store.reviews.grade(items[review.item_id], review.grade, now=moment, today=review.day)


def test_stats_json_and_line_before_and_after_the_first_fit(tmp_path, write_deck):
    import json

    from click.testing import CliRunner

    from studyapp.cli import cli

    db = tmp_path / "s.db"
    store = Store.open(db)
    store.decks.import_([load_deck(big_deck(write_deck))])
    grade_learner_log(store, MIN_REVIEWS_TO_FIT - 1)
    store.close()
    runner = CliRunner()
    memory = json.loads(runner.invoke(cli, ["--db", str(db), "stats", "--json"]).output)["memory"]
    assert memory["parameters"] == "fsrs6_defaults" and memory["evaluation"] is None
    assert memory["reviews"] == MIN_REVIEWS_TO_FIT - 1 and memory["reviews_to_fit"] == 1000
    assert 0 < memory["predicted_recall_today"] < 1 and set(memory["topics"]) == {"t0", "t1", "t2"}
    text = " ".join(
        runner.invoke(cli, ["--db", str(db), "stats"], env={"COLUMNS": "80"}).output.split()
    )
    assert "default parameters until your log holds 1000 reviews (it holds 999)" in text

    store = Store.open(db)
    grade_learner_log_more = simulate(items=150, days=400, seed=5)[MIN_REVIEWS_TO_FIT - 1 :]
    items = stored_items(store)
    for review in grade_learner_log_more[:300]:
        store.reviews.grade(items[review.item_id], review.grade, now=NOW, today=review.day)
    store.close()
    memory = json.loads(runner.invoke(cli, ["--db", str(db), "stats", "--json"]).output)["memory"]
    assert memory["fit_reviews"] == MIN_REVIEWS_TO_FIT + 299
    assert set(memory["evaluation"]) == {
        "held_out_reviews",
        "fitted",
        "fsrs_defaults",
        "sm2",
        "constant",
    }
    text = " ".join(
        runner.invoke(cli, ["--db", str(db), "stats"], env={"COLUMNS": "80"}).output.split()
    )
    assert "StudyApp predicts your answers (" in text and "a constant guess" in text
    assert "Predicted recall today:" in text


def test_a_fit_that_predicts_worse_than_the_defaults_is_not_used(store, write_deck, monkeypatch):
    from studyapp.memory import evaluate as evaluate_module

    store.decks.import_([load_deck(big_deck(write_deck))])
    grade_learner_log(store, MIN_REVIEWS_TO_FIT + 10)
    real_evaluate = evaluate_module.evaluate

    def worse(log):
        real = real_evaluate(log)
        return evaluate_module.Evaluation(
            real.reviews, real.defaults.__class__(9.0, 0.5), real.defaults, real.sm2, real.constant
        )

    # The store loads the evaluation where a refit needs it: patched at its source.
    monkeypatch.setattr(evaluate_module, "evaluate", worse)
    store.memory.refresh(NOW)
    record = store.memory.last_fit()
    assert record.parameters == DEFAULT_PARAMETERS and record.evaluation.fitted.log_loss == 9.0


def test_the_first_fit_is_judged_as_a_fit_not_as_the_defaults():
    # 1,000 reviews: the older 800 are under the minimum, and are fitted all the same.
    log = simulate(items=500, days=240, seed=11)[:MIN_REVIEWS_TO_FIT]
    result = evaluate(log)
    assert result is not None and result.fitted != result.defaults


def test_recall_sums_in_sql_equal_the_python_fallback(store, write_deck):
    store.decks.import_([load_deck(big_deck(write_deck))])
    grade_learner_log(store, 600)
    today = date(2027, 2, 1)
    in_sql = sorted(store.recall.recall_by_tags(today, DEFAULT_PARAMETERS, 0.7))

    def no_math(*_args):
        raise ValueError("no math functions in this SQLite")

    store.conn.create_function("pow", 2, no_math)
    in_python = sorted(store.recall.recall_by_tags(today, DEFAULT_PARAMETERS, 0.7))
    assert [(t, n, risk) for t, _, n, risk in in_sql] == [(t, n, r) for t, _, n, r in in_python]
    assert sum(n for _, _, n, _ in in_sql) == len(
        store.conn.execute("SELECT item_id FROM memory_states").fetchall()
    )
    assert any(risk for *_, risk in in_sql)
    for (_, a, _, _), (_, b, _, _) in zip(in_sql, in_python, strict=True):
        assert a == pytest.approx(b, rel=1e-9)
