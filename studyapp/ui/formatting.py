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


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters."""
    line = " ".join(one_line(text).split())
    return line if len(line) <= width else line[: width - 1] + "…"
