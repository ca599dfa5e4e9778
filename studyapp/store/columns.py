"""How values map to columns, and the SQL fragments every query shares."""

from __future__ import annotations

from datetime import date
from typing import Any

# The tags column's format belongs to the card model; the store's queries take it from here.
from studyapp.cards import tags_column as tags_column
from studyapp.cards import tags_tuple as tags_tuple
from studyapp.study import sm2


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def parse_date(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def tag_clause(tag: str) -> tuple[str, list[str]]:
    """SQL on cards.tags matching `tag` and its children (`mechanism` matches `mechanism::sea`)."""
    return (
        "(c.tags LIKE ? ESCAPE '\\' OR c.tags LIKE ? ESCAPE '\\')",
        [f"% {like_escape(tag)} %", f"% {like_escape(tag)}::%"],
    )


# SQLite's LIKE folds ASCII letters only; tags_match folds the same way.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def tags_match(column: str, tag: str) -> bool:
    """What :func:`tag_clause` selects, in Python, for one value of cards.tags."""
    folded, wanted = column.translate(_ASCII_LOWER), tag.translate(_ASCII_LOWER)
    return f" {wanted} " in folded or f" {wanted}::" in folded


def tag_names(column: str) -> set[str]:
    """The tags of one value of cards.tags and their parents (`a` and `a::b` for `a::b`)."""
    names: set[str] = set()
    for tag in column.split():
        parts = tag.split("::")
        names.update("::".join(parts[:k]) for k in range(1, len(parts) + 1))
    return names


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def new_item_position(deck_position: int, card_position: int, ord_: int) -> int:
    # Deck order, then card order in the file, then item ordinal.
    return (deck_position << 40) | (card_position << 12) | ord_


def state_from(row: dict[str, Any], suffix: str = "") -> sm2.SM2State:
    return sm2.SM2State(
        ef_hundredths=row[f"ef{suffix}"],
        interval=row[f"interval{suffix}"],
        repetitions=row[f"repetitions{suffix}"],
        due=parse_date(row[f"due{suffix}"]),
        lapses=row[f"lapses{suffix}"],
    )


def state_columns(state: sm2.SM2State, suffix: str = "") -> dict[str, Any]:
    return {
        f"ef{suffix}": state.ef_hundredths,
        f"interval{suffix}": state.interval,
        f"repetitions{suffix}": state.repetitions,
        f"lapses{suffix}": state.lapses,
        f"due{suffix}": iso(state.due),
    }


def scope_clause(deck_id: str | None, tag: str | None) -> tuple[str, list[Any]]:
    """` AND ...` restricting items `i` to one deck and/or one tag (with its children)."""
    clauses: list[str] = []
    params: list[Any] = []
    if deck_id:
        clauses.append("i.deck_id = ?")
        params.append(deck_id)
    if tag:
        sql, tag_params = tag_clause(tag)
        clauses.append(f"i.card_id IN (SELECT c.id FROM cards c WHERE {sql})")
        params.extend(tag_params)
    return "".join(f" AND {c}" for c in clauses), params
