"""The counts kept by triggers (schema 5) equal a full recount after any sequence of writes.

Home, `decks` and stats read deck_item_counts, review_days and grouped mastery
queries; each is compared here with the straightforward query over the whole
collection that it replaced.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from studyapp import stats
from studyapp.cards import CardContent
from studyapp.deckfile.reader import Card, Deck
from studyapp.store import MATURE_DAYS, Store, StoreError, tag_clause
from studyapp.store.models import DeckCounts
from studyapp.study.studytime import STUDIED_MS_SQL
from tests.conftest import TODAY
from tests.paths import FIXTURES

TAGS = ["mechanism::sea", "mechanism::gate-control", "evidence::rct", "Evidence", "ltr", ""]


def recount_decks(store: Store, today: date) -> list[DeckCounts]:
    """deck_counts as it was before schema 5: one pass over every item.

    (That query counted an empty deck's missing item as new: `i.id IS NOT NULL` fixes it.)
    """
    rows = store.conn.execute(
        "SELECT d.id, d.name, COUNT(i.id), COALESCE(SUM(i.id IS NOT NULL AND i.due IS NULL), 0), "
        "COALESCE(SUM(i.due <= :today AND (i.buried_until IS NULL "
        "OR i.buried_until <= :today)), 0) "
        "FROM decks d LEFT JOIN items i ON i.deck_id = d.id AND i.retired = 0 "
        "AND i.suspended = 0 WHERE d.retired = 0 GROUP BY d.id ORDER BY d.position",
        {"today": today.isoformat()},
    )
    return [DeckCounts(*r) for r in rows]


def recount_reviews(store: Store, today: date) -> dict:
    """Heatmap, time, retention, streak and review count straight from the log."""
    conn = store.conn
    heatmap = dict(
        conn.execute(
            "SELECT study_day, COUNT(*) FROM reviews WHERE kind != 'cram' AND study_day >= ? "
            "AND study_day <= ? GROUP BY study_day ORDER BY study_day",
            [(today - timedelta(days=stats.HEATMAP_DAYS - 1)).isoformat(), today.isoformat()],
        )
    )
    # Time studied: every answer, each capped (studyapp.study.studytime).
    minutes = {
        day: round(ms / 60000, 3)
        for day, ms in conn.execute(
            f"SELECT study_day, COALESCE(SUM({STUDIED_MS_SQL}), 0) FROM reviews "
            "WHERE study_day >= ? GROUP BY study_day ORDER BY study_day",
            [(today - timedelta(days=29)).isoformat()],
        )
    }
    retention = {}
    for name, start in (("last_7_days", 6), ("last_30_days", 29), ("all_time", None)):
        since = "" if start is None else (today - timedelta(days=start)).isoformat()
        row = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(grade >= 3), 0), "
            f"COALESCE(SUM(interval_before < {MATURE_DAYS}), 0), "
            f"COALESCE(SUM(interval_before < {MATURE_DAYS} AND grade >= 3), 0), "
            f"COALESCE(SUM(interval_before >= {MATURE_DAYS}), 0), "
            f"COALESCE(SUM(interval_before >= {MATURE_DAYS} AND grade >= 3), 0) "
            "FROM reviews WHERE kind = 'scheduled' AND due_before IS NOT NULL "
            "AND study_day >= ?",
            [since],
        ).fetchone()
        retention[name] = {
            kind: stats._retention(row[k : k + 2])
            for kind, k in (("overall", 0), ("young", 2), ("mature", 4))
        }
    days = [
        date.fromisoformat(r[0])
        for r in conn.execute(
            "SELECT DISTINCT study_day FROM reviews WHERE kind != 'cram' ORDER BY study_day DESC"
        )
    ]
    expected = today - timedelta(days=1) if days and days[0] < today else today
    streak = 0
    for day in days:
        if day > expected:
            continue
        if day != expected:
            break
        streak += 1
        expected -= timedelta(days=1)
    progress = conn.execute(
        f"SELECT COALESCE(SUM(kind != 'cram'), 0), COALESCE(SUM({STUDIED_MS_SQL}), 0) "
        "FROM reviews WHERE study_day = ?",
        [today.isoformat()],
    ).fetchone()
    introduced = conn.execute(
        "SELECT COUNT(*) FROM reviews WHERE study_day = ? AND kind = 'scheduled' "
        "AND due_before IS NULL",
        [today.isoformat()],
    ).fetchone()[0]
    return {
        "day_progress": tuple(progress),
        "new_introduced": introduced,
        "heatmap": heatmap,
        "minutes_per_day": minutes,
        "retention": retention,
        "streak_days": streak,
        "reviews": conn.execute(
            "SELECT COUNT(*) FROM reviews WHERE kind IN ('scheduled', 'redrill')"
        ).fetchone()[0],
    }


def mastery_per_tag(store: Store, today: date) -> list[stats.TopicMastery]:
    """Mastery as it was before schema 5: three queries per topic."""
    all_tags = [
        tag for tag, _ in store.browse.tag_counts() if tag.split("::")[0] not in stats.NOT_TOPICS
    ]
    core = sorted(
        (t for t in all_tags if stats._core_rank(t) is not None),
        key=lambda t: (stats._core_rank(t) or 0, t),
    )
    chosen = core + [t for t in all_tags if t not in core]
    start = (today - timedelta(days=29)).isoformat()
    result = []
    for tag in chosen:
        clause, params = tag_clause(tag)
        cards, mature = store.conn.execute(
            f"SELECT COUNT(*), COALESCE(SUM(i.interval >= {MATURE_DAYS} AND i.due IS NOT NULL), 0) "
            f"FROM items i JOIN cards c ON c.id = i.card_id WHERE i.retired = 0 AND {clause}",
            params,
        ).fetchone()
        row = store.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(r.grade >= 3), 0) FROM reviews r "
            "JOIN items i ON i.id = r.item_id JOIN cards c ON c.id = i.card_id "
            "WHERE r.kind = 'scheduled' AND r.due_before IS NOT NULL AND r.study_day >= ? "
            f"AND {clause}",
            [start, *params],
        ).fetchone()
        weakest = tuple(
            stats.WeakCard(item_id, label, ef / 100, lapses)
            for item_id, label, ef, lapses in store.progress.weakest_items(
                tag, stats.WEAKEST_PER_TOPIC
            )
        )
        result.append(stats.TopicMastery(tag, cards, mature, stats._retention(row), weakest))
    return result


def deck(deck_id: str, keys: list[int], tag_of: dict[int, str], kind_of: dict[int, str]) -> Deck:
    cards = []
    for key in keys:
        kind = kind_of.get(key, "basic")
        tags = tuple(t for t in [tag_of.get(key, "")] if t)
        if kind == "cloze":
            cards.append(
                Card(
                    f"c{key}",
                    CardContent("cloze", text=f"{{{{c1::a{key}}}}} {{{{c2::b}}}}", tags=tags),
                )
            )
        else:
            content = CardContent(kind, front=f"Q{key}", back=f"A{key}", tags=tags)
            cards.append(Card(f"c{key}", content))
    return Deck(deck_id, f"Deck {deck_id}", cards=tuple(cards))


class KeptCounts(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = Store.in_memory()
        self.day = TODAY - timedelta(days=40)
        self.last_reviews: list[int] = []
        self.tag_of: dict[int, str] = {}
        self.kind_of: dict[int, str] = {}

    def items(self) -> list[int]:
        return [r[0] for r in self.store.conn.execute("SELECT id FROM items ORDER BY id")]

    @rule(
        deck_id=st.sampled_from(["a", "b"]),
        keys=st.lists(st.integers(0, 12), max_size=8, unique=True),
        tags=st.dictionaries(st.integers(0, 12), st.sampled_from(TAGS), max_size=4),
        kinds=st.dictionaries(
            st.integers(0, 12), st.sampled_from(["basic", "reversed", "cloze"]), max_size=4
        ),
    )
    def import_deck(self, deck_id, keys, tags, kinds) -> None:
        # Card types and tags change between imports too: items appear and retire.
        self.tag_of.update(tags)
        self.kind_of.update(kinds)
        # The deck's own file, changed at will: it may share no card with what it had
        # (an import from elsewhere would be refused; that is test_deck_identity's).
        self.store.decks.import_([deck(deck_id, keys, self.tag_of, self.kind_of)], replace=True)

    @rule(deck_id=st.sampled_from(["a", "b"]))
    def retire_deck(self, deck_id) -> None:
        self.store.decks.retire([deck_id])

    @rule(front=st.sampled_from(["x", "y"]), tag=st.sampled_from(TAGS))
    def add_personal(self, front, tag) -> None:
        self.store.personal.add(CardContent(front=front, back="back", tags=(tag,) if tag else ()))

    @precondition(lambda self: self.items())
    @rule(
        pick=st.integers(0, 10**6),
        quality=st.integers(0, 5),
        kind=st.sampled_from(["scheduled", "scheduled", "redrill", "cram"]),
        duration=st.one_of(st.none(), st.integers(0, 90_000)),
    )
    def grade(self, pick, quality, kind, duration) -> None:
        items = self.items()
        result = self.store.reviews.grade(
            items[pick % len(items)],
            quality,
            now=datetime.combine(self.day, datetime.min.time()),
            today=self.day,
            kind=kind,
            duration_ms=duration,
            leech_threshold=2,
        )
        self.last_reviews.append(result.review_id)

    @precondition(lambda self: self.last_reviews)
    @rule()
    def undo(self) -> None:
        # Refused when a later review of the same item came after it.
        with contextlib.suppress(StoreError):
            self.store.reviews.undo(self.last_reviews.pop(), leech_threshold=2)

    @precondition(lambda self: self.items())
    @rule(pick=st.integers(0, 10**6), suspended=st.booleans())
    def suspend(self, pick, suspended) -> None:
        items = self.items()
        self.store.reviews.set_suspended(items[pick % len(items)], suspended)

    @precondition(lambda self: self.items())
    @rule(pick=st.integers(0, 10**6), days=st.integers(0, 3))
    def bury(self, pick, days) -> None:
        items = self.items()
        self.store.reviews.bury(items[pick % len(items)], self.day + timedelta(days=days))

    @rule(days=st.integers(1, 20))
    def next_day(self, days) -> None:
        self.day = min(self.day + timedelta(days=days), TODAY)

    @invariant()
    def counts_match_a_full_recount(self) -> None:
        for today in (self.day, TODAY):
            assert self.store.progress.deck_counts(today) == recount_decks(self.store, today)
            figures = stats.compute(self.store, today)
            again = recount_reviews(self.store, today)
            assert figures.heatmap == again["heatmap"]
            assert figures.minutes_per_day == again["minutes_per_day"]
            assert figures.retention == again["retention"]
            assert figures.streak_days == again["streak_days"]
            assert self.store.progress.review_count() == again["reviews"]
            assert self.store.progress.day_progress(today) == again["day_progress"]
            assert self.store.queues.new_introduced_on(today) == again["new_introduced"]
            assert figures.mastery == mastery_per_tag(self.store, today)

    def teardown(self) -> None:
        self.store.close()


KeptCounts.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_kept_counts_match_a_full_recount = KeptCounts.TestCase


def test_migration_fills_the_counts_from_an_existing_collection(tmp_path):
    """A schema-4 database upgraded to 5 starts with counts equal to a recount."""
    import shutil
    import sqlite3

    db = tmp_path / "study.db"
    shutil.copy(FIXTURES / "schema_v1.db", db)
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    conn.close()
    store = Store.open(db)
    assert store.progress.review_count() == before > 0
    assert store.progress.deck_counts(TODAY) == recount_decks(store, TODAY)
    assert sum(d.total for d in store.progress.deck_counts(TODAY)) > 0
    assert stats.compute(store, TODAY).heatmap == recount_reviews(store, TODAY)["heatmap"]
    store.close()


def test_tags_match_is_what_tag_clause_selects():
    """Mastery sums groups in Python with tags_match; it must agree with the SQL LIKE."""
    from studyapp.store import tags_match

    store = Store.in_memory()
    values = [" a::b ", " A::b c ", " ab ", " a_b ", " x::a ", " a ", " a%b::c ", ""]
    for tag in ["a", "a::b", "ab", "a_b", "a%b", "c", "A"]:
        clause, params = tag_clause(tag)
        for value in values:
            row = store.conn.execute(f"SELECT {clause} FROM (SELECT ? AS tags) c", [*params, value])
            assert bool(row.fetchone()[0]) == tags_match(value, tag), (tag, value)
    store.close()


def test_home_and_decks_counts_never_scan_the_collection(store, sample_deck):
    """What home and `decks` run reads kept counts and index ranges, never a whole table."""
    import re

    from studyapp.deckfile.reader import load_deck

    store.decks.import_([load_deck(sample_deck)])
    store.reviews.grade(store.queues.new_item_ids(1, TODAY)[0], 4, today=TODAY)
    store.conn.execute("ANALYZE")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.progress.deck_counts(TODAY)
    store.progress.day_progress(TODAY)
    store.progress.streak_days(TODAY)
    store.progress.review_count()
    store.queues.next_due_date(TODAY)
    store.conn.set_trace_callback(None)
    assert len(statements) >= 5
    for sql in statements:
        plan = "\n".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert not re.search(r"^SCAN (items|cards|reviews|i|c|r)\b(?! USING)", plan, re.M), (
            sql,
            plan,
        )
