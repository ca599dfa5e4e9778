"""Small text helpers shared by the screens."""

from __future__ import annotations

from datetime import date

from studyapp.sanitize import one_line


def days_text(days: int) -> str:
    """'1 day', '6 days', '3.2 mo', '1.4 yr': short enough for a grade label."""
    if days < 1:
        return "today"
    if days == 1:
        return "1 day"
    if days < 100:
        return f"{days} days"
    if days < 365:
        return f"{days / 30:.1f} mo"
    return f"{days / 365:.1f} yr"


def relative_day(day: date | None, today: date) -> str:
    if day is None:
        return "—"
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if delta > 0:
        return f"in {days_text(delta)}"
    return f"{days_text(-delta)} ago"


def short_days(days: int) -> str:
    """'1 d', '6 d', '3.2 mo': the interval in a grade box."""
    if days < 1:
        return "today"
    if days < 100:
        return f"{days} d"
    return days_text(days)


def grade_outcome(days: int, ef_change: int, width: int) -> str:
    """What a grade does, in `width` cells: '6 d · ease −0.14', '6 d −0.14' or '6 d'.

    The interval alone often reads the same for 3, 4 and 5; the easiness change
    (in hundredths) is what differs.
    """
    change = "±0" if ef_change == 0 else f"{ef_change / 100:+.2f}".replace("-", "−")
    interval = short_days(days)
    for text in (
        f"{interval} · ease {change}",
        f"{interval} · {change}",
        f"{interval} {change}",
        f"{interval.replace(' ', '')} {change}",
    ):
        if len(text) <= width:
            return text
    return short_days(days)


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters."""
    line = " ".join(one_line(text).split())
    return line if len(line) <= width else line[: width - 1] + "…"
