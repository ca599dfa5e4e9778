"""Progress figures: forecast, heatmap, retention, states, EF spread, mastery per topic, leeches.

Pure computation over the counts the store reads (store/figures.py); :mod:`studyapp.report` draws them for the
terminal and the Stats screen. Definitions (shared with Anki where it has one):

* A *review* is a graded answer that counts for the schedule or its re-drills
  (cram answers are study, not reviews).
* *Retention* is the share of scheduled reviews of already-learned cards
  (not first sight) answered 3 or more; *young* cards had an interval under
  21 days when answered, *mature* ones 21 or more.
* States: new, learning (the fixed 1- and 6-day steps), young, mature,
  suspended, retired.
* *Predicted recall today* is the memory model's (FSRS-6, studyapp.memory)
  chance of remembering each answered card now, averaged: the expected share
  remembered. A card is *at risk* below 70%.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from studyapp.memory.evaluate import Evaluation
from studyapp.memory.fit import MIN_REVIEWS_TO_FIT
from studyapp.memory.model import DEFAULT_PARAMETERS
from studyapp.store import ITEM_STATES, Store, tag_names, tags_match

FORECAST_DAYS = 30
HEATMAP_DAYS = 182
WEAKEST_PER_TOPIC = 3
# The four named mechanisms the product is built around come first in mastery, each as its own
# topic. The bundled decks file them under the source's headings; a deck of one's own may still
# use the flat form (`mechanism::sea`), which is ranked the same way (see `_core_rank`).
CORE_MECHANISMS = (
    "mechanism::neuromuscular-reset::endplate-dysfunction",
    "mechanism::neuromuscular-reset::sea",
    "mechanism::pain-modulation::gate-control",
    "mechanism::pain-modulation::descending-inhibition",
)
_CORE_LEAVES = tuple(tag.rsplit("::", 1)[1] for tag in CORE_MECHANISMS)
# Tags on how a card is written (the angle it takes on a fact: definition, claim, ...),
# not on what it teaches: no topic of their own in mastery.
NOT_TOPICS = ("angle",)
EF_BUCKETS = (130, 150, 170, 190, 210, 230, 250, 270, 290)
# A card is at risk when the memory model gives it less than this chance of recall today.
AT_RISK_BELOW = 0.7


@dataclass(frozen=True, slots=True)
class Retention:
    """Share answered >= 3 (None when there were no reviews) and how many reviews."""

    rate: float | None
    reviews: int


@dataclass(frozen=True, slots=True)
class WeakCard:
    item_id: int
    label: str
    ef: float
    lapses: int


@dataclass(frozen=True, slots=True)
class TopicMastery:
    tag: str
    cards: int
    mature: int
    retention: Retention
    weakest: tuple[WeakCard, ...]

    @property
    def mature_share(self) -> float:
        return self.mature / self.cards if self.cards else 0.0


@dataclass(frozen=True, slots=True)
class Leech:
    item_id: int
    deck_name: str
    label: str
    fails: int
    suspended: bool


@dataclass(frozen=True, slots=True)
class TopicRecall:
    """Predicted recall today of a topic's reviewed cards: expected share remembered."""

    tag: str
    cards: int
    recall: float
    at_risk: int


@dataclass(frozen=True, slots=True)
class MemoryFigures:
    """What the memory model (studyapp.memory) says today, and how far to trust it."""

    reviews: int
    fitted: bool  # the student's own parameters in use (else FSRS-6's defaults)
    fitted_at: str | None  # the last fit (None: the log is too small yet)
    fit_reviews: int | None
    evaluation: Evaluation | None
    cards: int
    recall: float | None
    at_risk: int
    topics: list[TopicRecall]

    def to_json(self) -> dict[str, Any]:
        evaluation = None
        if self.evaluation is not None:
            evaluation = {
                "held_out_reviews": self.evaluation.reviews,
                **{
                    name: {"log_loss": round(s.log_loss, 4), "rmse_bins": round(s.rmse_bins, 4)}
                    for name, s in (
                        ("fitted", self.evaluation.fitted),
                        ("fsrs_defaults", self.evaluation.defaults),
                        ("sm2", self.evaluation.sm2),
                        ("constant", self.evaluation.constant),
                    )
                },
            }
        return {
            "parameters": "fitted" if self.fitted else "fsrs6_defaults",
            "fitted_at": self.fitted_at,
            "fit_reviews": self.fit_reviews,
            "reviews": self.reviews,
            "reviews_to_fit": MIN_REVIEWS_TO_FIT,
            "evaluation": evaluation,
            "cards": self.cards,
            "predicted_recall_today": None if self.recall is None else round(self.recall, 4),
            "at_risk": self.at_risk,
            "at_risk_below": AT_RISK_BELOW,
            "topics": {
                t.tag: {"cards": t.cards, "recall": round(t.recall, 4), "at_risk": t.at_risk}
                for t in self.topics
            },
        }


@dataclass
class Stats:
    today: date
    forecast: list[int]
    heatmap: dict[str, int]
    retention: dict[str, dict[str, Retention]]
    states: dict[str, int]
    ef_distribution: dict[str, int]
    mastery: list[TopicMastery]
    leeches: list[Leech]
    streak_days: int
    minutes_per_day: dict[str, float] = field(default_factory=dict)
    memory: MemoryFigures | None = None

    def to_json(self) -> dict[str, Any]:
        """The keys `studyapp stats --json` adds to the summary."""

        def retention(r: Retention) -> dict[str, Any]:
            return {"rate": None if r.rate is None else round(r.rate, 4), "reviews": r.reviews}

        return {
            "forecast": self.forecast,
            "heatmap": self.heatmap,
            "retention": {
                window: {kind: retention(r) for kind, r in kinds.items()}
                for window, kinds in self.retention.items()
            },
            "states": self.states,
            "ef_distribution": self.ef_distribution,
            "mastery": {
                m.tag: {
                    "cards": m.cards,
                    "mature": m.mature,
                    "mature_share": round(m.mature_share, 4),
                    "retention": retention(m.retention),
                    "weakest": [asdict(w) for w in m.weakest],
                }
                for m in self.mastery
            },
            "streak_days": self.streak_days,
            "minutes_per_day": self.minutes_per_day,
            "leeches": [asdict(leech) for leech in self.leeches],
            "memory": None if self.memory is None else self.memory.to_json(),
        }


def forecast(store: Store, today: date, days: int = FORECAST_DAYS) -> list[int]:
    """Reviews due on each of the next `days` days; index 0 is today, overdue included."""
    counts = [0] * days
    for due, n in store.figures.due_per_day(today, today + timedelta(days=days - 1)).items():
        counts[(due - today).days] += n
    return counts


def heatmap(store: Store, today: date, days: int = HEATMAP_DAYS) -> dict[str, int]:
    """Reviews per study day over the last `days` days (days without reviews left out).

    Days after `today` (logged before the timezone moved west) count as today.
    """
    return store.figures.reviews_per_day(today - timedelta(days=days - 1), today)


def minutes_per_day(store: Store, today: date, days: int = 30) -> dict[str, float]:
    studied = store.figures.studied_ms_per_day(today - timedelta(days=days - 1), today)
    return {day: round(ms / 60000, 3) for day, ms in studied.items()}


def _retention(rows: Sequence[int]) -> Retention:
    total, passed = rows
    return Retention(passed / total if total else None, total or 0)


def retention(store: Store, today: date) -> dict[str, dict[str, Retention]]:
    """Retention over the last 7 and 30 days and all time: overall, young and mature."""
    windows = {
        "last_7_days": today - timedelta(days=6),
        "last_30_days": today - timedelta(days=29),
        "all_time": None,
    }
    result: dict[str, dict[str, Retention]] = {}
    for name, start in windows.items():
        row = store.figures.retention_counts(start)
        result[name] = {
            "overall": _retention(row[0:2]),
            "young": _retention(row[2:4]),
            "mature": _retention(row[4:6]),
        }
    return result


def states(store: Store) -> dict[str, int]:
    counts = dict.fromkeys((*ITEM_STATES, "retired"), 0)
    counts.update(store.figures.state_counts())
    return counts


def ef_distribution(store: Store) -> dict[str, int]:
    """Reviewed, active items by easiness, in buckets of 0.2 ("2.5" holds 2.50-2.69)."""
    counts: Counter[str] = Counter()
    for ef, n in store.figures.ef_counts().items():
        bucket = max(b for b in EF_BUCKETS if b <= ef) if ef >= EF_BUCKETS[0] else EF_BUCKETS[0]
        counts[f"{bucket / 100:.1f}"] += n
    return {f"{b / 100:.1f}": counts.get(f"{b / 100:.1f}", 0) for b in EF_BUCKETS}


def is_topic(tag: str) -> bool:
    """Whether a tag names a topic to study (mastery, the tag pickers): `angle::…` tags say
    how a card asks, not what about."""
    return tag.split("::", 1)[0] not in NOT_TOPICS


def mastery(store: Store, today: date, tags: list[str] | None = None) -> list[TopicMastery]:
    """Per tag: items, how many are mature, 30-day retention and the weakest items.

    The four core mechanisms come first, then every other tag alphabetically.
    Each figure is read once per distinct set of card tags and summed per topic
    here, rather than queried per topic (see ``store.progress.tag_groups``).
    """
    groups = store.progress.tag_groups((today - timedelta(days=29)).isoformat(), WEAKEST_PER_TOPIC)
    all_tags = sorted(
        {name for g in groups if g.items for name in tag_names(g.tags) if is_topic(name)}
    )
    if tags is not None:
        chosen = tags
    else:
        core = sorted(
            (t for t in all_tags if _core_rank(t) is not None),
            key=lambda t: (_core_rank(t) or 0, t),
        )
        chosen = core + [t for t in all_tags if t not in core]
    result = []
    for tag in chosen:
        members = [g for g in groups if tags_match(g.tags, tag)]
        candidates = sorted(
            (w for g in members for w in g.weakest), key=lambda w: (w[2], -w[3], w[0])
        )
        weakest = tuple(
            WeakCard(item_id, label, ef / 100, lapses)
            for item_id, label, ef, lapses in candidates[:WEAKEST_PER_TOPIC]
        )
        result.append(
            TopicMastery(
                tag,
                sum(g.items for g in members),
                sum(g.mature for g in members),
                _retention(
                    (sum(g.recent_reviews for g in members), sum(g.recent_passed for g in members))
                ),
                weakest,
            )
        )
    return result


def _core_rank(tag: str) -> int | None:
    """Position of `tag` among the four core mechanisms (`mechanism::...::sea` or
    `mechanism::sea`), or None for any other tag."""
    parts = tag.split("::")
    if len(parts) < 2 or parts[0] != "mechanism" or parts[-1] not in _CORE_LEAVES:
        return None
    return _CORE_LEAVES.index(parts[-1])


def leeches(store: Store) -> list[Leech]:
    return [
        Leech(item_id, deck, label, fails, suspended)
        for item_id, deck, label, fails, suspended in store.progress.leeches()
    ]


def memory(store: Store, today: date, topics: Sequence[str]) -> MemoryFigures:
    """Predicted recall today, overall and per topic, with the model's fit and its scores."""
    parameters = store.memory.parameters()
    # Summed per distinct set of card tags first, then per topic (as mastery does).
    by_tags = {
        tags: (total, n, risk)
        for tags, total, n, risk in store.recall.recall_by_tags(today, parameters, AT_RISK_BELOW)
    }
    recall_sum = sum(c[0] for c in by_tags.values())
    cards = int(sum(c[1] for c in by_tags.values()))
    topic_recall = []
    for tag in topics:
        members = [c for tags, c in by_tags.items() if tags_match(tags, tag)]
        n = int(sum(c[1] for c in members))
        if n:
            total = sum(c[0] for c in members)
            topic_recall.append(TopicRecall(tag, n, total / n, int(sum(c[2] for c in members))))
    fit = store.memory.last_fit()
    return MemoryFigures(
        reviews=store.memory.answers_logged(),
        fitted=parameters != DEFAULT_PARAMETERS,
        fitted_at=fit.fitted_at.isoformat() if fit else None,
        fit_reviews=fit.reviews if fit else None,
        evaluation=fit.evaluation if fit else None,
        cards=cards,
        recall=recall_sum / cards if cards else None,
        at_risk=int(sum(c[2] for c in by_tags.values())),
        topics=topic_recall,
    )


def compute(store: Store, today: date) -> Stats:
    topics = mastery(store, today)
    return Stats(
        today=today,
        forecast=forecast(store, today),
        heatmap=heatmap(store, today),
        retention=retention(store, today),
        states=states(store),
        ef_distribution=ef_distribution(store),
        mastery=topics,
        leeches=leeches(store),
        streak_days=store.progress.streak_days(today),
        minutes_per_day=minutes_per_day(store, today),
        memory=memory(store, today, [m.tag for m in topics]),
    )
