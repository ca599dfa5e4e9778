"""Exams: new cards paced to a date, the final window, what home and `studyapp exam` count.

Pure planning over the store (the SQL is in :mod:`studyapp.store.exams`). For an
exam on day E with a margin of m days (the `exam_margin_days` setting):

* the *final window* is the study days E-m .. E (the exam morning counts);
* the scope's unseen cards are introduced before the window opens, at
  ceil(unseen / days left before it) a day, never fewer than the normal limit;
  once the window is open, whatever is still unseen comes before the exam day.

Which cards come up as *exam reviews* (logged, SM-2 state untouched, as cram) is
the recall plan's choice (:mod:`studyapp.study.exam_recall_plan`), for every exam,
its final window spread evenly over the window's days.

Once E has passed, an exam is history: it no longer paces or adds reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from studyapp.store import Exam, Exams, InputError, Store

__all__ = [
    "DEFAULT_MARGIN_DAYS",
    "MAX_DAYS_AHEAD",
    "ExamStatus",
    "daily_new_limit",
    "exam_new_item_ids",
    "exam_statuses",
    "margin_days",
    "pace_line",
    "paced_new_per_day",
    "parse_exam_date",
    "raw_new_per_day",
    "set_exam",
    "window_start",
]

DEFAULT_MARGIN_DAYS = 7
# How far ahead an exam may be set: pacing and forecasts run day by day up to it,
# and a date near year 9999 would run off the calendar.
MAX_YEARS_AHEAD = 5
MAX_DAYS_AHEAD = MAX_YEARS_AHEAD * 366


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def window_start(exam_date: date, margin: int) -> date:
    """The first study day of the final window."""
    return exam_date - timedelta(days=margin)


def raw_new_per_day(unseen: int, today: date, exam_date: date, margin: int) -> int:
    """New cards a day that introduce all `unseen` before the window opens (0 if none or past).

    `unseen` counts the scope's unseen cards at the start of study day `today`.
    """
    if unseen <= 0 or today > exam_date:
        return 0
    days = (window_start(exam_date, margin) - today).days
    if days < 1:
        # Too late for the margin: everything before the exam day (all of it on the day).
        days = max(1, (exam_date - today).days)
    return _ceil_div(unseen, days)


def paced_new_per_day(
    unseen: int, today: date, exam_date: date, margin: int, new_per_day: int
) -> int:
    """The day's new-card limit for one exam: its pace, never below the student's
    `new_per_day`."""
    return max(new_per_day, raw_new_per_day(unseen, today, exam_date, margin))


def parse_exam_date(text: str, today: date) -> date:
    """An exam date from YYYY-MM-DD; ValueError with a readable message if bad or past."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None
    if day < today:
        raise ValueError(f"{day.isoformat()} is in the past")
    if (day - today).days > MAX_DAYS_AHEAD:
        raise ValueError(
            f"{day.isoformat()} is more than {MAX_YEARS_AHEAD} years ahead; "
            f"set an exam within {MAX_YEARS_AHEAD} years"
        )
    return day


def margin_days(store: Store) -> int:
    from studyapp.settings import load_settings

    return load_settings(store).exam_margin_days


def set_exam(
    store: Store,
    when: date,
    *,
    deck_ids: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    name: str | None = None,
    all_decks: bool = False,
    target: float | None = None,
    minutes_per_day: float | None = None,
) -> tuple[Exam, bool]:
    """Set (or move) an exam; True when it is new. InputError for an unknown deck or tag.

    A new exam with no decks or tags covers every deck. Moving one (its name in use)
    changes the date and keeps the scope, unless decks, tags or `all_decks` are given,
    and keeps its target recall and daily budget unless they are given.
    """
    if all_decks and (deck_ids or tags):
        raise InputError("all decks, or some decks and tags: not both")
    known = store.decks.names()
    for deck_id in deck_ids:
        if deck_id not in known:
            raise InputError(f"no deck with id {deck_id!r} (see `studyapp decks`)")
    for tag in tags:
        if not store.exams.scope_total(Exam(0, "", when, (), (tag,))):
            raise InputError(f"no cards tagged {tag!r}")
    if name is None or not name.strip():
        if len(deck_ids) == 1 and not tags:
            name = known[deck_ids[0]]
        elif len(tags) == 1 and not deck_ids:
            name = tags[0]
        else:
            name = f"Exam {when.isoformat()}"
    keep_scope = not (deck_ids or tags or all_decks)
    return store.exams.set(
        name.strip(),
        when,
        deck_ids,
        tags,
        keep_scope=keep_scope,
        target=target,
        minutes_per_day=minutes_per_day,
    )


# -- hooks for the review session ------------------------------------------------


def daily_new_limit(store: Store, today: date, new_per_day: int) -> int:
    """Today's new-card limit: the normal one, or more to meet the exams that are set."""
    exams = store.exams.active(today)
    if not exams:
        return new_per_day
    margin = margin_days(store)
    needed = 0
    for exam in exams:
        unseen, introduced_today = store.exams.unseen(exam, today)
        needed += raw_new_per_day(unseen + introduced_today, today, exam.date, margin)
    return max(new_per_day, needed)


def exam_new_item_ids(
    exams: Exams, limit: int, today: date, deck_id: str | None, tag: str | None
) -> list[int]:
    """New cards of the nearest exams' scopes (at most `limit`): they come first.

    Given the store's exams part alone (``store.exams``): all it reads.
    """
    ids: list[int] = []
    taken: set[int] = set()
    for exam in exams.active(today):
        for item_id in exams.new_item_ids(exam, limit - len(ids), today, deck_id, tag):
            if len(ids) >= limit:
                return ids
            if item_id not in taken:
                ids.append(item_id)
                taken.add(item_id)
    return ids


# -- what the student is shown -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExamStatus:
    """One exam as of a study day: the counts home and `studyapp exam` show."""

    exam: Exam
    today: date
    margin: int
    total: int
    unseen: int
    new_per_day: int
    normal_new_per_day: int

    @property
    def days_left(self) -> int:
        return (self.exam.date - self.today).days

    @property
    def seen(self) -> int:
        return self.total - self.unseen

    @property
    def window_start(self) -> date:
        return window_start(self.exam.date, self.margin)

    @property
    def in_window(self) -> bool:
        return self.window_start <= self.today <= self.exam.date


def exam_statuses(store: Store, today: date, new_per_day: int) -> list[ExamStatus]:
    """Every exam not yet past, nearest first: two small counting queries each."""
    exams = store.exams.active(today)
    if not exams:
        return []
    margin = margin_days(store)
    statuses = []
    for exam in exams:
        unseen, introduced_today = store.exams.unseen(exam, today)
        statuses.append(
            ExamStatus(
                exam=exam,
                today=today,
                margin=margin,
                total=store.exams.scope_total(exam),
                unseen=unseen,
                new_per_day=paced_new_per_day(
                    unseen + introduced_today, today, exam.date, margin, new_per_day
                ),
                normal_new_per_day=new_per_day,
            )
        )
    return statuses


def short_date(day: date, today: date) -> str:
    """'12 Jan', with the year when it is not this year's."""
    text = f"{day.day} {day.strftime('%b')}"
    return text if day.year == today.year else f"{text} {day.year}"


def pace_line(status: ExamStatus) -> str:
    """One line on the pace and why: "28 new/day to meet Anatomy on 12 Jan"."""
    exam, when = status.exam, short_date(status.exam.date, status.today)
    days = status.days_left
    left = "today" if days == 0 else f"{days} day{'s' * (days != 1)} left"
    seen = f"{status.seen}/{status.total} seen"
    if status.unseen and status.new_per_day > status.normal_new_per_day:
        head = f"{status.new_per_day} new/day to meet {exam.name} on {when}"
    elif status.unseen:
        head = f"{status.new_per_day} new/day meets {exam.name} on {when}"
    elif status.in_window:
        head = f"Final window for {exam.name} on {when}"
    else:
        head = f"All seen for {exam.name} on {when}"
    return f"{head} · {left} · {seen}"
