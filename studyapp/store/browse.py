"""Browsing and searching cards, and the tags they carry."""

from __future__ import annotations

from datetime import date
from typing import Any

from studyapp.cardtext import item_label
from studyapp.store.columns import like_escape, parse_date, scope_clause, tag_names, tags_tuple
from studyapp.store.errors import InputError
from studyapp.store.models import ITEM_STATES, STATE_SQL, BrowseRow
from studyapp.store.part import StorePart

# Browse also shows (and filters) cards buried until a later study day.
BROWSE_STATES = (*ITEM_STATES, "buried")
_BROWSE_STATE_SQL = (
    f"CASE WHEN NOT i.suspended AND i.buried_until > :today THEN 'buried' ELSE {STATE_SQL} END"
)


class Browse(StorePart):
    """Browse and search."""

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag and its parents (`mechanism` for `mechanism::sea`), with active item counts."""
        counts: dict[str, int] = {}
        for tags, n in self.conn.execute(
            "SELECT c.tags, COUNT(i.id) FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE i.retired = 0 GROUP BY c.tags"
        ):
            for name in tag_names(tags):
                counts[name] = counts.get(name, 0) + n
        return sorted(counts.items())

    def page(
        self,
        *,
        today: date,
        search: str = "",
        deck_id: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        limit: int = 500,
    ) -> tuple[list[BrowseRow], int]:
        """Study items matching the filters (at most `limit`) and how many match in all."""
        scope, scope_params = scope_clause(deck_id, tag)
        # Named parameters throughout (the state expression needs :today).
        params: dict[str, object] = {"today": today.isoformat(), "limit": limit}
        params.update({f"s{n}": value for n, value in enumerate(scope_params)})
        for n in range(len(scope_params)):
            scope = scope.replace("?", f":s{n}", 1)
        clauses = [f"i.retired = 0{scope}"]
        if state:
            if state not in BROWSE_STATES:
                raise InputError(f"unknown state {state!r}")
            clauses.append(f"({_BROWSE_STATE_SQL}) = :state")
            params["state"] = state
        for n, word in enumerate(search.split()):
            params[f"w{n}"] = f"%{like_escape(word)}%"
            clauses.append(
                "("
                + " OR ".join(
                    f"c.{column} LIKE :w{n} ESCAPE '\\'"
                    for column in ("front", "back", "text", "extra", "tags", "note")
                )
                + ")"
            )
        where = " AND ".join(clauses)
        base = (
            "FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id "
            f"WHERE {where}"
        )
        total = self._one(f"SELECT COUNT(*) {base}", params) or 0
        rows = self._rows(
            f"SELECT i.id AS item_id, c.id AS card_id, d.name AS deck_name, d.personal, c.type, "
            f"i.ord, c.front, c.back, c.text, c.tags, i.ef, i.interval, i.due, i.lapses, "
            f"({_BROWSE_STATE_SQL}) AS state {base} ORDER BY i.new_position LIMIT :limit",
            params,
        )
        return [
            BrowseRow(
                item_id=r["item_id"],
                card_id=r["card_id"],
                deck_name=r["deck_name"],
                personal=bool(r["personal"]),
                label=item_label(r["type"], r["ord"], r["front"], r["back"], r["text"]),
                tags=tags_tuple(r["tags"]),
                state=r["state"],
                ef_hundredths=r["ef"],
                interval=r["interval"],
                due=parse_date(r["due"]),
                lapses=r["lapses"],
            )
            for r in rows
        ], total

    def state(self, item_id: int, today: date) -> str:
        """One item's state as Browse names it (new, learning, ..., suspended, buried)."""
        return str(
            self._one(
                f"SELECT {_BROWSE_STATE_SQL} FROM items i WHERE i.id = :item",
                {"today": today.isoformat(), "item": item_id},
            )
        )

    def card(self, card_id: int) -> dict[str, Any]:
        rows = self._rows(
            "SELECT c.*, d.personal FROM cards c JOIN decks d ON d.id = c.deck_id WHERE c.id = ?",
            [card_id],
        )
        if not rows:
            raise InputError(f"no card {card_id}")
        return rows[0]
