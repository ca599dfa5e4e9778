"""Stats drawn with Rich: the same renderables for `studyapp stats` and the Stats screen."""

from __future__ import annotations

from datetime import date, timedelta

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from studyapp.memory.fit import MIN_REVIEWS_TO_FIT
from studyapp.sanitize import one_line
from studyapp.stats import AT_RISK_BELOW, Retention, Stats
from studyapp.study.studytime import studied_text

BLOCKS = " ▁▂▃▄▅▆▇█"
HEAT_STYLES = ("grey30", "green4", "green3", "green1", "bold bright_green")
# One shade per level as well as one colour, so the heatmap reads without colour (piped).
HEAT_CELLS = ("· ", "░░", "▒▒", "▓▓", "██")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _bar(value: float, width: int, style: str = "green") -> Text:
    filled = round(max(0.0, min(1.0, value)) * width)
    return Text.assemble(("█" * filled, style), ("░" * (width - filled), "grey30"))


def forecast_chart(stats: Stats) -> RenderableType:
    """One column per day for the next 30 days, scaled to the busiest day."""
    days = stats.forecast
    peak = max(days) or 1
    columns = Text()
    for n in days:
        if n == 0:
            columns.append("· ", style="grey30")
        else:
            columns.append(BLOCKS[max(1, round(n / peak * (len(BLOCKS) - 1)))] * 2, style="cyan")
    width = 2 * len(days)
    axis = Text("today".ljust(width - len("+29 days")) + "+29 days", style="grey50")
    summary = Text(
        f"today {days[0]} · tomorrow {days[1]} · next 7 days {sum(days[:7])} · "
        f"next 30 days {sum(days)} · busiest day {max(days)}"
    )
    return Group(columns, axis, summary)


def heatmap_chart(stats: Stats, weeks: int = 26) -> RenderableType:
    """Reviews per day, a column per week (Monday on top), as GitHub and Anki draw it."""
    today = stats.today
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    peak = max(stats.heatmap.values(), default=0)
    margin = 4
    months = [" "] * (margin + 2 * weeks + 2)
    for week in range(weeks):
        monday = start + timedelta(days=7 * week)
        if monday.day <= 7:  # the first week of a month carries its name
            label = monday.strftime("%b")
            at = margin + 2 * week
            months[at : at + len(label)] = label
    lines = [Text("".join(months).rstrip(), style="grey50")]
    for weekday, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        line = Text(name.ljust(margin), style="grey50")
        for week in range(weeks):
            day = start + timedelta(days=7 * week + weekday)
            if day > today:
                break
            n = stats.heatmap.get(day.isoformat(), 0)
            level = 0 if n == 0 else min(4, 1 + int(3 * n / peak))
            line.append(HEAT_CELLS[level], style=HEAT_STYLES[level])
        lines.append(line)
    total = sum(stats.heatmap.values())
    active = len(stats.heatmap)
    legend = Text.assemble(
        "less ",
        *((cell, style) for cell, style in zip(HEAT_CELLS, HEAT_STYLES, strict=True)),
        " ",
        "more   ",
        f"{total} review{'s' * (total != 1)} on {active} day{'s' * (active != 1)} · "
        f"streak {stats.streak_days} day{'s' * (stats.streak_days != 1)}",
    )
    return Group(*lines, legend)


def retention_table(stats: Stats) -> RenderableType:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("Retention (answered ≥ 3)")
    windows = (("last_7_days", "7 days"), ("last_30_days", "30 days"), ("all_time", "all time"))
    for _, label in windows:
        table.add_column(label, justify="right")
    for kind in ("overall", "young", "mature"):
        row: list[str] = [
            kind + (" (< 21 d)" if kind == "young" else " (≥ 21 d)" if kind == "mature" else "")
        ]
        for window, _ in windows:
            r: Retention = stats.retention[window][kind]
            row.append(f"{_pct(r.rate)} of {r.reviews}" if r.reviews else "—")
        table.add_row(*row)
    return table


def states_table(stats: Stats) -> RenderableType:
    total = sum(stats.states.values()) or 1
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column()
    table.add_column(justify="right")
    table.add_column()
    for state, n in stats.states.items():
        table.add_row(state, str(n), _bar(n / total, 20, "cyan"))
    return table


def ef_chart(stats: Stats) -> RenderableType:
    peak = max(stats.ef_distribution.values(), default=0) or 1
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column()
    table.add_column()
    table.add_column(justify="right")
    for bucket, n in stats.ef_distribution.items():
        table.add_row(f"EF {bucket}", _bar(n / peak, 20, "magenta"), str(n))
    return table


# Below this width the weakest card goes under its topic instead of in a column of its own.
WIDE_MASTERY = 110
# The figures' columns: Cards, Mature (a bar and a share), Ret. 30 d.
_FIGURE_WIDTHS = (5, 15, 9)
_GAP = 2  # between two columns (one cell of padding each side, none at the edges)
# The least the weakest card's column gets beside the topic when both have a column.
MIN_WEAKEST = 30


class MasteryTable:
    """Mastery per topic, laid out for the width it gets (Stats screen or terminal).

    Every column is given its width, adding up to the width there is: the figures never
    give way (Rich drops whole columns from a table that does not fit); the topic is
    shortened (its middle levels first) and the weakest card's text is cut instead.
    """

    def __init__(self, stats: Stats, limit: int | None = None):
        self.stats = stats
        self.limit = limit

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        wide = width >= WIDE_MASTERY
        figures = sum(_FIGURE_WIDTHS) + _GAP * len(_FIGURE_WIDTHS)
        table = Table(box=None, pad_edge=False, header_style="bold")
        if wide:
            longest = max((len(one_line(t.tag)) for t in self.stats.mastery), default=5)
            topic_width = max(5, min(longest, width - figures - _GAP - MIN_WEAKEST))
            weakest_width = width - figures - _GAP - topic_width
            table.add_column("Topic", no_wrap=True, width=topic_width)
        else:
            topic_width = max(12, width - figures)
            table.add_column(
                "Topic · weakest card", overflow="ellipsis", no_wrap=True, width=topic_width
            )
        table.add_column("Cards", justify="right", no_wrap=True, width=_FIGURE_WIDTHS[0])
        table.add_column("Mature", no_wrap=True, width=_FIGURE_WIDTHS[1])
        table.add_column("Ret. 30 d", justify="right", no_wrap=True, width=_FIGURE_WIDTHS[2])
        if wide:
            table.add_column("Weakest card", overflow="ellipsis", no_wrap=True, width=weakest_width)
        for topic in self.stats.mastery[: self.limit]:
            weakest = topic.weakest[0] if topic.weakest else None
            weakest_text = f"{one_line(weakest.label)} (EF {weakest.ef:.2f})" if weakest else "—"
            tag = fit_tag(one_line(topic.tag), topic_width)
            cells: list[RenderableType] = [
                str(topic.cards),
                Text.assemble(_bar(topic.mature_share, 10), f" {topic.mature_share:.0%}"),
                _pct(topic.retention.rate),
            ]
            if wide:
                table.add_row(Text(tag), *cells, Text(weakest_text))
            else:
                table.add_row(Text.assemble(tag, ("\n  ↳ " + weakest_text, "dim")), *cells)
        yield table


def fit_tag(tag: str, width: int) -> str:
    """`tag` in `width` cells, its middle levels elided first: the last level is what tells
    one topic from its siblings (`mechanism::…::endplate-dysfunction`)."""
    if len(tag) <= width:
        return tag
    parts = tag.split("::")
    if len(parts) > 2:
        short = f"{parts[0]}::…::{parts[-1]}"
        if len(short) <= width:
            return short
    return "…" + tag[len(tag) - width + 1 :]


def mastery_table(stats: Stats, limit: int | None = None) -> RenderableType:
    return MasteryTable(stats, limit)


def leeches_table(stats: Stats) -> RenderableType:
    if not stats.leeches:
        return Text("No leeches: no card has been failed often enough to be set aside.")
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("Leech (suspended; rewrite or unsuspend in Browse)")
    table.add_column("Deck")
    table.add_column("Fails", justify="right")
    for leech in stats.leeches:
        table.add_row(
            Text(one_line(leech.label)), Text(one_line(leech.deck_name)), str(leech.fails)
        )
    return table


def time_chart(stats: Stats, days: int = 30) -> RenderableType:
    """Time studied per day over the last 30 days (studyapp.study.studytime's definition)."""
    values = [
        stats.minutes_per_day.get((stats.today - timedelta(days=days - 1 - i)).isoformat(), 0.0)
        for i in range(days)
    ]
    peak = max(values) or 1
    spark = Text(
        "".join(BLOCKS[0 if v == 0 else max(1, round(v / peak * 8))] * 2 for v in values),
        style="yellow",
    )
    return Group(
        spark,
        Text(
            f"{studied_text(sum(values) * 60000)} in the last 30 days · "
            f"today {studied_text(values[-1] * 60000)}"
        ),
    )


# The topics the memory section lists, weakest first (all of them in `stats --json`).
WEAKEST_TOPICS = 8


def _honesty(stats: Stats) -> str:
    # The one line a student can read: how well the model predicts their answers.
    memory = stats.memory
    assert memory is not None
    e = memory.evaluation
    if e is None:
        return (
            f"StudyApp predicts your answers with FSRS-6's default parameters until your log "
            f"holds {MIN_REVIEWS_TO_FIT} reviews (it holds {memory.reviews}); then it fits them "
            "to you and measures how well they predict."
        )
    used, other = (e.fitted, e.defaults) if memory.fitted else (e.defaults, e.fitted)
    which = "fitted to you" if memory.fitted else "FSRS-6's defaults, which beat your fit"
    other_name = "FSRS-6's defaults" if memory.fitted else "your fit"
    return (
        f"StudyApp predicts your answers ({which}) with a log loss of {used.log_loss:.3f} "
        f"(lower is better), off by {used.rmse_bins:.0%} on average; a constant guess would "
        f"score {e.constant.log_loss:.3f} (off by {e.constant.rmse_bins:.0%}), SM-2's "
        f"intervals {e.sm2.log_loss:.3f}, {other_name} {other.log_loss:.3f} — on your "
        f"{e.reviews} newest reviews, predicted from the ones before."
    )


def memory_section(stats: Stats) -> RenderableType:
    """How well StudyApp knows you: its honesty line, recall today, and per topic."""
    memory = stats.memory
    if memory is None:
        return Text("No memory figures.")
    parts: list[RenderableType] = [Text(_honesty(stats))]
    if memory.recall is None:
        parts.append(Text("Predicted recall today: — (no card answered yet)."))
        return Group(*parts)
    parts.append(
        Text(
            f"Predicted recall today: {memory.recall:.0%} of {memory.cards} answered cards · "
            f"{memory.at_risk} at risk (below {AT_RISK_BELOW:.0%})"
        )
    )
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("Topic", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("Cards", justify="right", no_wrap=True, min_width=5)
    table.add_column("Recall today", no_wrap=True, min_width=15)
    table.add_column("At risk", justify="right", no_wrap=True, min_width=7)
    weakest = sorted(memory.topics, key=lambda t: (t.recall, t.tag))
    for topic in weakest[:WEAKEST_TOPICS]:
        table.add_row(
            Text(fit_tag(one_line(topic.tag), 40)),
            str(topic.cards),
            Text.assemble(_bar(topic.recall, 10), f" {topic.recall:.0%}"),
            str(topic.at_risk),
        )
    parts.append(table)
    if len(weakest) > WEAKEST_TOPICS:
        parts.append(Text(f"… and {len(weakest) - WEAKEST_TOPICS} stronger topics", style="dim"))
    return Group(*parts)


def retention_and_memory(stats: Stats) -> RenderableType:
    """Recall as it was (retention) and as the memory model predicts it today."""
    return Group(retention_table(stats), Text(""), memory_section(stats))


SECTIONS = (
    ("Mastery by topic", mastery_table),
    ("Due in the next 30 days", forecast_chart),
    ("Reviews in the last six months", heatmap_chart),
    ("Retention", retention_and_memory),
    ("Cards by state", states_table),
    ("Easiness (EF) of reviewed cards", ef_chart),
    ("Leeches", leeches_table),
    ("Time studied", time_chart),
)


def sections(stats: Stats) -> list[tuple[str, RenderableType]]:
    return [(title, draw(stats)) for title, draw in SECTIONS]


def as_of(today: date) -> str:
    return f"as of {today.isoformat()}"
