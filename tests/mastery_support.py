"""A store whose topics and weakest cards are longer than any terminal line, for Stats."""

from __future__ import annotations

from datetime import date

from studyapp.deckfile.reader import load_deck
from studyapp.store import Store

LONG_TAG = "mechanism::neuromuscular-reset::endplate-dysfunction"
LONG_FRONT = (
    "According to the source's Neuromuscular Reset heading, what may the local twitch "
    "response disrupt, and which finding on needle EMG is said to normalise after it, "
    "in the words of the source's own mechanism section?"
)


def long_topics_store(path, deck_file, today: date) -> Store:
    cards = [
        f'[[cards]]\nid = "c{n}"\nfront = "{LONG_FRONT} ({n})"\nback = "Answer {n}"\n'
        f'tags = ["{LONG_TAG}", "evidence::systematic-review"]\n'
        for n in range(7)
    ]
    deck_file.write_text('[deck]\nid = "long"\nname = "Long"\n\n' + "\n".join(cards), "utf-8")
    store = Store.open(path)
    store.decks.import_([load_deck(deck_file)])
    for (item,) in store.conn.execute("SELECT id FROM items ORDER BY id").fetchall():
        store.reviews.grade(item, 2, today=today)
    return store
