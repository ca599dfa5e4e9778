"""Browsing and searching cards, and the tags they carry."""

from __future__ import annotations

from datetime import date

from studyapp.cardtext import item_label
from studyapp.store.columns import like_escape, parse_date, scope_clause, tag_names, tags_tuple
from studyapp.store.connection import StoreBase, StoreError
from studyapp.store.models import ITEM_STATES, STATE_SQL, BrowseRow


class Browse(StoreBase):
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

    def browse(
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
        scope, params = scope_clause(deck_id, tag)
        clauses = [f"i.retired = 0{scope}"]
        if state:
            if state not in ITEM_STATES:
                raise StoreError(f"unknown state {state!r}")
            clauses.append(f"({STATE_SQL}) = ?")
            params.append(state)
        for word in search.split():
            pattern = f"%{like_escape(word)}%"
            clauses.append(
                "(c.front LIKE ? ESCAPE '\\' OR c.back LIKE ? ESCAPE '\\' "
                "OR c.text LIKE ? ESCAPE '\\' OR c.extra LIKE ? ESCAPE '\\' "
                "OR c.tags LIKE ? ESCAPE '\\' OR c.note LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern] * 6)
        where = " AND ".join(clauses)
        base = (
            "FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id "
            f"WHERE {where}"
        )
        total = self._one(f"SELECT COUNT(*) {base}", params) or 0
        rows = self._rows(
            f"SELECT i.id AS item_id, c.id AS card_id, d.name AS deck_name, d.personal, c.type, "
            f"i.ord, c.front, c.back, c.text, c.tags, i.ef, i.interval, i.due, i.lapses, "
            f"({STATE_SQL}) AS state {base} ORDER BY i.new_position LIMIT ?",
            [*params, limit],
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

    def card(self, card_id: int) -> dict:
        rows = self._rows(
            "SELECT c.*, d.personal FROM cards c JOIN decks d ON d.id = c.deck_id WHERE c.id = ?",
            [card_id],
        )
        if not rows:
            raise StoreError(f"no card {card_id}")
        return rows[0]
