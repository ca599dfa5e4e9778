"""The student's settings, kept in the database so they travel with the progress."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields

from studyapp.store import Store, StoreError

THEMES = ("textual-dark", "textual-light")


@dataclass(frozen=True, slots=True)
class Settings:
    new_per_day: int = 20
    leech_threshold: int = 8
    theme: str = "textual-dark"
    # Exams: new cards are all introduced this many days before; these days are the final window.
    exam_margin_days: int = 7


_LIMITS = {"new_per_day": (0, 9999), "leech_threshold": (1, 999), "exam_margin_days": (1, 60)}
_PREFIX = "setting."


def load_settings(store: Store) -> Settings:
    values = {}
    for f in fields(Settings):
        raw = store.get_meta(_PREFIX + f.name)
        if raw is not None:
            # A bad stored value falls back to the default.
            with contextlib.suppress(ValueError):
                values[f.name] = _parse(f.name, raw)
    return Settings(**values)


def _parse(name: str, raw: str):
    if name in _LIMITS:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
        low, high = _LIMITS[name]
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}")
        return value
    if name == "theme":
        if raw not in THEMES:
            raise ValueError(f"theme must be one of: {', '.join(THEMES)}")
        return raw
    raise ValueError(f"unknown setting {name!r} (known: {', '.join(setting_names())})")


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def save_setting(store: Store, name: str, raw: str) -> None:
    """Validate and store one setting; raise StoreError with a readable message."""
    try:
        value = _parse(name, str(raw))
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    store.set_meta(_PREFIX + name, str(value))
