"""The student's settings, kept in the database so they travel with the progress."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

from studyapp.memory.schedule import DEFAULT_RETENTION, RETENTION_RANGE
from studyapp.store import InputError, Store
from studyapp.store.memory import RETENTION_KEY, SCHEDULER_KEY

# Textual's built-in themes (tests check this list against the installed Textual):
# the palette's "Theme" picks among them and the choice is remembered.
THEMES = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "catppuccin-latte",
    "catppuccin-frappe",
    "catppuccin-macchiato",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
    "atom-one-dark",
    "atom-one-light",
    "ansi-dark",
    "ansi-light",
)
# Per-deck daily new-card limits are stored as `new_per_day.<deck id>`.
DECK_LIMIT_PREFIX = "new_per_day."
_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0")


@dataclass(frozen=True, slots=True)
class Settings:
    new_per_day: int = 20
    leech_threshold: int = 8
    theme: str = "textual-dark"
    # Exams: new cards are all introduced this many days before; these days are the final window.
    exam_margin_days: int = 7
    # Siblings (a reversed card's two directions, one note's cloze deletions) wait
    # for the next day once one of them is studied, so neither gives the other away.
    bury_siblings: bool = True
    # Reviews in a shuffled order (seeded by the study day) instead of deck order.
    interleave: bool = True
    # Pictures drawn on cards; off: their alt text only (`review --no-images` for one session).
    images: bool = True
    # A folder shared with the student's other devices (studyapp.sync): the app syncs
    # through it at start and after each session. Empty: off.
    sync_folder: str = ""
    # Who sets due dates: SM-2 (exact, the default) or FSRS at the desired retention.
    # SM-2's state is kept on every answer under both, so switching back is exact.
    scheduler: str = "sm2"
    desired_retention: float = DEFAULT_RETENTION
    # A deck's own daily new-card limit (within new_per_day), by deck id.
    deck_new_per_day: dict[str, int] = field(default_factory=dict)

    def new_per_day_for(self, deck_id: str) -> int | None:
        return self.deck_new_per_day.get(deck_id)


SETTING_HELP = {
    "new_per_day": "new cards a day, all decks together (0-9999)",
    "leech_threshold": "fails that make a card a leech (1-999)",
    "exam_margin_days": "days before an exam by which every new card is seen (1-60)",
    "theme": "a Textual theme, e.g. textual-dark or textual-light",
    "bury_siblings": "siblings of a card studied today wait for tomorrow (on/off)",
    "interleave": "reviews shuffled across decks (on/off)",
    "images": "pictures on cards drawn in the terminal; off shows their alt text (on/off)",
    "scheduler": "who sets due dates: sm2 (the default) or fsrs (at desired_retention)",
    "desired_retention": "with the fsrs scheduler, the recall a card is due at (0.70-0.97)",
    "sync_folder": "a folder shared with your other devices, synced at start and after "
    "each session (a full path, or off)",
}
_LIMITS = {"new_per_day": (0, 9999), "leech_threshold": (1, 999), "exam_margin_days": (1, 60)}
_BOOLEANS = ("bury_siblings", "interleave", "images")
_PREFIX = "setting."
SCHEDULERS = ("sm2", "fsrs")
# The store reads these two itself (FSRS due dates, which due date a queue reads).
_STORE_READS = {"scheduler": SCHEDULER_KEY, "desired_retention": RETENTION_KEY}
_EXTENSION_KEY = "new_extension"


def setting_names() -> list[str]:
    """The settings `studyapp settings NAME` takes (plus `new_per_day.<deck id>`)."""
    return [f.name for f in fields(Settings) if f.name != "deck_new_per_day"]


def load_settings(store: Store) -> Settings:
    values: dict[str, object] = {}
    for name in setting_names():
        raw = store.get_meta(_PREFIX + name)
        if raw is not None:
            # A bad stored value falls back to the default.
            with contextlib.suppress(ValueError):
                values[name] = _parse(name, raw)
    deck_limits: dict[str, int] = {}
    for deck_id, raw in store.meta_with_prefix(_PREFIX + DECK_LIMIT_PREFIX).items():
        with contextlib.suppress(ValueError):
            deck_limits[deck_id] = _int_setting("new_per_day", raw)
    return Settings(**values, deck_new_per_day=deck_limits)  # type: ignore[arg-type]


def _int_setting(name: str, raw: str) -> int:
    low, high = _LIMITS.get(name, _LIMITS["new_per_day"])
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"{name} must be a whole number from {low} to {high}, not {raw!r}"
        ) from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _retention_setting(raw: str) -> float:
    low, high = RETENTION_RANGE
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"desired_retention must be a number from {low:.2f} to {high:.2f}, not {raw!r}"
        ) from None
    if not low <= value <= high:
        raise ValueError(f"desired_retention must be between {low:.2f} and {high:.2f}, not {raw}")
    return round(value, 2)


def _parse(name: str, raw: str) -> int | float | str | bool:
    if name in _LIMITS or name.startswith(DECK_LIMIT_PREFIX):
        return _int_setting(name, raw)
    if name in _BOOLEANS:
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise ValueError(f"{name} must be on or off, not {raw!r}")
    if name == "theme":
        if raw not in THEMES:
            raise ValueError(f"theme must be one of: {', '.join(THEMES)}")
        return raw
    if name == "sync_folder":
        return _folder_setting(raw)
    if name == "scheduler":
        if raw.strip().lower() not in SCHEDULERS:
            raise ValueError(f"scheduler must be sm2 or fsrs, not {raw!r}")
        return raw.strip().lower()
    if name == "desired_retention":
        return _retention_setting(raw.strip())
    raise ValueError(f"unknown setting {name!r} (known: {', '.join(setting_names())})")


def _folder_setting(raw: str) -> str:
    if raw.strip().lower() in ("", *_FALSE):
        return ""
    folder = Path(raw.strip()).expanduser()
    if not folder.is_absolute():
        raise ValueError(f"sync_folder must be a full path (or off), not {raw!r}")
    return str(folder)


def save_setting(store: Store, name: str, raw: str) -> None:
    """Validate and store one setting; raise InputError with a readable message.

    `new_per_day.<deck id>` with the value `default` removes that deck's own limit.
    """
    if name.startswith(DECK_LIMIT_PREFIX):
        deck_id = name[len(DECK_LIMIT_PREFIX) :]
        if deck_id not in store.decks.names():
            raise InputError(f"no deck with id {deck_id!r}")
        if str(raw).strip().lower() == "default":
            store.delete_meta(_PREFIX + name)
            return
    try:
        value = _parse(name, str(raw))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    stored = ("on" if value else "off") if isinstance(value, bool) else str(value)
    key = _STORE_READS.get(name, _PREFIX + name)
    with store.transaction():
        changed = store.get_meta(key) != stored
        store.set_meta(key, stored)
        if name in _STORE_READS and changed:
            # FSRS due dates follow the retention; a switch to fsrs also fills any
            # a migrated database has not had rebuilt yet.
            store.fsrs.reschedule()


def shown_value(value: object) -> str:
    """A setting's value as `studyapp settings` prints it and accepts it back."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value) or "off"


# -- custom study: more new cards today -------------------------------------------


def new_card_extension(store: Store, day: date) -> int:
    """Extra new cards allowed on study day `day` (Custom Study); 0 on any other day."""
    raw = store.get_meta(_EXTENSION_KEY)
    if raw is None:
        return 0
    stored_day, _, count = raw.partition(" ")
    if stored_day != day.isoformat():
        return 0
    with contextlib.suppress(ValueError):
        return max(0, int(count))
    return 0


def extend_new_cards(store: Store, day: date, more: int) -> int:
    """Allow `more` new cards beyond today's limits (every deck's and the total); returns the
    day's whole extension."""
    if not 1 <= more <= 9999:
        raise InputError(f"extend by a number from 1 to 9999, not {more}")
    total = new_card_extension(store, day) + more
    store.set_meta(_EXTENSION_KEY, f"{day.isoformat()} {total}")
    return total


def int_setting_range(name: str) -> tuple[int, int]:
    """The lowest and highest value a whole-number setting takes (a deck's own limit:
    new_per_day's)."""
    return _LIMITS.get(name, _LIMITS["new_per_day"])


def check_settings(values: dict[str, str]) -> None:
    """Raise InputError for the first value `save_settings` would refuse; store nothing."""
    for name, raw in values.items():
        if name.startswith(DECK_LIMIT_PREFIX) and raw.strip().lower() in ("", "default"):
            continue
        try:
            _parse(name, raw)
        except ValueError as exc:
            raise InputError(str(exc)) from None


def save_settings(store: Store, values: dict[str, str]) -> None:
    """Validate every value, then store them all in one transaction (all or nothing)."""
    check_settings(values)
    with store.transaction():
        for name, raw in values.items():
            if name.startswith(DECK_LIMIT_PREFIX) and not raw.strip():
                raw = "default"
            save_setting(store, name, raw)
