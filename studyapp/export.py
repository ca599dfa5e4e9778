"""Export decks to Anki (.apkg) with genanki, optionally with the student's SM-2 progress.

Stability rules Anki relies on:

* Note types have fixed ids (:data:`MODEL_IDS`). Anki matches note types by id;
  changing a note type's fields under the same id makes Anki fork it. If the
  fields ever change, that is a new id and a migration note in the README.
* Note GUIDs come from deck id + card id, so re-exporting an edited deck
  updates the notes in Anki instead of adding new ones, and two decks with
  identical text never collide. Notes carry the export time as their
  modification time, which is what makes Anki treat them as newer.
* Deck ids come from the deck's slug, so a re-export lands in the same deck.

genanki writes the package's collection (schema, note types, decks); the note
and card rows it would write one INSERT at a time go in as one batch each, the
same rows (a test compares them with genanki's). genanki writes no scheduling:
for ``with_progress`` the cards then get their review state and the review log
goes into ``revlog``, in Anki's own schema.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import genanki

from studyapp import export_target, sm2
from studyapp.cardtext import item_ords, to_html
from studyapp.deckfile import Deck

# Fixed forever: Anki identifies note types by these ids.
MODEL_IDS = {"basic": 1_731_542_013, "reversed": 1_731_542_014, "cloze": 1_731_542_015}
MODEL_NAMES = {
    "basic": "StudyApp Basic",
    "reversed": "StudyApp Reversed",
    "cloze": "StudyApp Cloze",
}

# SM-2 grade -> Anki answer button (1 Again, 2 Hard, 3 Good, 4 Easy).
ANKI_EASE = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}
# Anki's revlog types.
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN, REVLOG_FILTERED = 0, 1, 2, 3
# Anki's longest recorded answer time by default.
MAX_ANSWER_MS = 60_000

CSS = """\
.card {
  font-family: "Inter", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  color: #1d2330;
  background-color: #fbfbf8;
  max-width: 42em;
  margin: 0 auto;
  padding: 1em 1.2em;
}
.sa-question { font-weight: 600; }
.sa-answer { margin-top: .6em; }
.sa-extra {
  margin-top: 1.2em;
  padding: .6em .9em;
  border-left: 4px solid #5b8def;
  background: #eef3fd;
  font-size: .9em;
}
.sa-source {
  margin-top: 1em;
  font-size: .75em;
  color: #6b7280;
  text-transform: uppercase;
  letter-spacing: .04em;
}
.sa-label { font-weight: 700; margin-right: .4em; }
.cloze { font-weight: 700; color: #2554c7; }
hr#answer { border: 0; border-top: 1px solid #d6d9e0; margin: 1em 0; }
ul, ol { margin: .3em 0 .3em 1.2em; padding: 0; }
.nightMode.card, .night_mode .card, .card.nightMode {
  color: #e6e8ee;
  background-color: #1e2128;
}
.nightMode .sa-extra, .night_mode .sa-extra {
  background: #27324a;
  border-left-color: #7aa2f7;
}
.nightMode .sa-source, .night_mode .sa-source { color: #9aa3b2; }
.nightMode .cloze, .night_mode .cloze { color: #8fb0ff; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #3a3f4b; }
"""

_BACK_MATTER = (
    '{{#Extra}}<div class="sa-extra">{{Extra}}</div>{{/Extra}}'
    '{{#Source}}<div class="sa-source"><span class="sa-label">Source</span>{{Source}}</div>'
    "{{/Source}}"
)


def _template(name: str, question: str, answer: str) -> dict:
    return {
        "name": name,
        "qfmt": f'<div class="sa-question">{question}</div>',
        "afmt": f'{{{{FrontSide}}}}<hr id="answer"><div class="sa-answer">{answer}</div>'
        + _BACK_MATTER,
    }


def build_models() -> dict[str, genanki.Model]:
    """Our three note types. Their ids and field lists never change (see module docstring)."""
    basic_fields = [{"name": n} for n in ("Front", "Back", "Extra", "Source")]
    return {
        "basic": genanki.Model(
            MODEL_IDS["basic"],
            MODEL_NAMES["basic"],
            fields=basic_fields,
            templates=[_template("Card 1", "{{Front}}", "{{Back}}")],
            css=CSS,
        ),
        "reversed": genanki.Model(
            MODEL_IDS["reversed"],
            MODEL_NAMES["reversed"],
            fields=basic_fields,
            templates=[
                _template("Card 1", "{{Front}}", "{{Back}}"),
                _template("Card 2", "{{Back}}", "{{Front}}"),
            ],
            css=CSS,
        ),
        "cloze": genanki.Model(
            MODEL_IDS["cloze"],
            MODEL_NAMES["cloze"],
            fields=[{"name": n} for n in ("Text", "Extra", "Source")],
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": '<div class="sa-question">{{cloze:Text}}</div>',
                    "afmt": '<div class="sa-question">{{cloze:Text}}</div><hr id="answer">'
                    + _BACK_MATTER,
                }
            ],
            css=CSS,
            model_type=genanki.Model.CLOZE,
        ),
    }


@dataclass(frozen=True, slots=True)
class ItemProgress:
    """One study item's SM-2 state and its review log, for --with-progress."""

    state: sm2.SM2State
    suspended: bool
    reviews: tuple[dict, ...]


@dataclass(frozen=True, slots=True)
class ExportNote:
    deck_id: str
    card_key: str
    type: str
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    # Anki card ordinal -> progress; empty when exporting without progress.
    progress: dict = field(default_factory=dict)

    def fields(self) -> list[str]:
        if self.type == "cloze":
            return [to_html(self.text), to_html(self.extra), to_html(self.source)]
        return [to_html(self.front), to_html(self.back), to_html(self.extra), to_html(self.source)]


@dataclass(frozen=True, slots=True)
class ExportDeck:
    id: str
    name: str
    description: str
    notes: tuple[ExportNote, ...]


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    decks: int
    notes: int
    cards: int
    cards_with_progress: int
    revlog_rows: int


class ExportError(Exception):
    """The export could not be written; nothing was left at the destination."""


def decks_from_files(decks: Sequence[Deck]) -> list[ExportDeck]:
    return [
        ExportDeck(
            d.id,
            d.name,
            d.description,
            tuple(
                ExportNote(d.id, c.id, c.type, c.front, c.back, c.text, c.extra, c.source, c.tags)
                for c in d.cards
            ),
        )
        for d in decks
    ]


def decks_from_store(store, deck_ids: Sequence[str] | None = None) -> list[ExportDeck]:
    """Every active deck in the database (or those in `deck_ids`), as the student has them."""
    return [
        ExportDeck(
            d["id"],
            d["name"],
            d["description"],
            tuple(
                ExportNote(
                    d["id"],
                    c["card_key"],
                    c["type"],
                    c["front"],
                    c["back"],
                    c["text"],
                    c["extra"],
                    c["source"],
                    c["tags"],
                )
                for c in store.deck_cards(d["id"])
            ),
        )
        for d in store.deck_rows(deck_ids)
    ]


def with_progress_from(store, decks: Sequence[ExportDeck]) -> list[ExportDeck]:
    """The same decks, each note carrying its items' SM-2 state and review log."""
    result = []
    for deck in decks:
        by_card: dict[str, dict[int, ItemProgress]] = {}
        for (card_key, ord_), value in store.deck_progress(deck.id).items():
            by_card.setdefault(card_key, {})[ord_] = ItemProgress(*value)
        notes = tuple(replace(note, progress=by_card.get(note.card_key, {})) for note in deck.notes)
        result.append(replace(deck, notes=notes))
    return result


@dataclass(frozen=True, slots=True)
class ExportJob:
    """An export with everything it needs from the database already read.

    Running it (:func:`run_export`) touches no connection, so the app can write
    the package off the UI thread.
    """

    decks: tuple[ExportDeck, ...]
    with_progress: bool
    now: float
    rollover_hour: int
    # (deck id, card id) -> GUID, and GUID -> (content hash, mtime) at its last export.
    guids: dict[tuple[str, str], str]
    exported_before: dict[str, tuple[str, int]]


# What a finished export tells the database: (guid, content hash, mtime) per changed note.
LedgerRows = list[tuple[str, str, int]]


def plan_export(
    store,
    decks: Sequence[ExportDeck],
    *,
    with_progress: bool = False,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
) -> ExportJob:
    """Read what an export needs: the progress (if asked) and each note's last export."""
    if with_progress:
        decks = with_progress_from(store, decks)
    guids = {
        (n.deck_id, n.card_key): note_guid(n.deck_id, n.card_key)
        for deck in decks
        for n in deck.notes
    }
    return ExportJob(
        tuple(decks),
        with_progress,
        time.time() if now is None else now,
        rollover_hour,
        guids,
        store.exported_notes(guids.values()),
    )


def run_export(
    job: ExportJob, out: Path, record: Callable[[LedgerRows], object] | None = None
) -> ExportResult:
    """Write the package; no database needed.

    `record` gets the changed notes' new fingerprints when the package is complete,
    before it replaces `out`: if recording fails, nothing is left at `out`.
    """
    # Each note's HTML fields once: they are fingerprinted here and written below.
    prepared = prepare_notes(job.decks, job.guids)
    contents = {
        guid: note_content_hash(note, fields)
        for deck in job.decks
        for note in deck.notes
        for guid, fields in [prepared[note.deck_id, note.card_key]]
    }
    mtimes, changed = note_mtimes(contents, job.exported_before, int(job.now))
    return write_apkg(
        job.decks,
        out,
        with_progress=job.with_progress,
        now=job.now,
        rollover_hour=job.rollover_hour,
        note_mtimes=mtimes,
        prepared=prepared,
        before_replace=(lambda: record(changed)) if record and changed else None,
    )


def prepare_notes(
    decks: Sequence[ExportDeck],
    guids: dict[tuple[str, str], str] | None = None,
) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(deck id, card id) -> (GUID, HTML fields) for every note; GUIDs from `guids` if given."""
    return {
        (n.deck_id, n.card_key): (
            guids[n.deck_id, n.card_key] if guids else note_guid(n.deck_id, n.card_key),
            n.fields(),
        )
        for deck in decks
        for n in deck.notes
    }


def export_to_file(
    store,
    decks: Sequence[ExportDeck],
    out: Path,
    *,
    with_progress: bool = False,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
) -> ExportResult:
    """Export with the database's memory of earlier exports, so only edited notes update."""
    job = plan_export(
        store, decks, with_progress=with_progress, now=now, rollover_hour=rollover_hour
    )
    return run_export(job, out, store.record_exported)


def note_mtimes(
    contents: dict[str, str], exported_before: dict[str, tuple[str, int]], now: int
) -> tuple[dict[str, int], LedgerRows]:
    """Anki modification times for notes (guid -> content hash) about to be exported,
    and the ledger rows of the notes that changed.

    A note whose content is unchanged since its last export keeps that export's
    time; a new or changed one gets `now` (never earlier than its previous time
    + 1, so Anki always sees a change as newer).
    """
    mtimes, changed = {}, []
    for guid, digest in contents.items():
        previous = exported_before.get(guid)
        if previous and previous[0] == digest:
            mtimes[guid] = previous[1]
        else:
            mtimes[guid] = max(now, previous[1] + 1) if previous else now
            changed.append((guid, digest, mtimes[guid]))
    return mtimes, changed


def note_guid(deck_id: str, card_key: str) -> str:
    """Stable across exports and versions: derived from the deck and card ids only.

    64 bits of BLAKE2b, URL-safe base64 (11 characters, like Anki's own GUIDs in size).
    Never change this: every student's Anki recognises our notes by it.
    """
    digest = hashlib.blake2b(
        f"studyapp\x1f{deck_id}\x1f{card_key}".encode(), digest_size=8
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def anki_deck_id(deck_id: str) -> int:
    """A stable Anki deck id from our deck slug (Anki needs an int; 1 is 'Default')."""
    digest = hashlib.sha256(f"studyapp-deck:{deck_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 12) + 2


def note_content_hash(note: ExportNote, html_fields: list[str]) -> str:
    """What Anki would see of a note: its note type, fields and tags."""
    # Joined with the separators Anki itself uses between fields (\x1f).
    payload = "\x1e".join(
        (str(MODEL_IDS[note.type]), "\x1f".join(html_fields), " ".join(sorted(note.tags)))
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def write_apkg(
    decks: Sequence[ExportDeck],
    out: Path,
    *,
    with_progress: bool = False,
    today: date | None = None,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
    note_mtimes: dict[str, int] | None = None,
    prepared: dict[tuple[str, str], tuple[str, list[str]]] | None = None,
    before_replace: Callable[[], object] | None = None,
) -> ExportResult:
    """Write `decks` to `out` (.apkg). The file appears whole or not at all.

    `note_mtimes` (guid -> seconds) gives notes their modification time, see
    :func:`note_mtimes`; without it every note gets `now`. `prepared` ((deck id,
    card id) -> (guid, HTML fields)) saves computing them again. `before_replace`
    runs when the package is complete; if it raises, nothing is left at `out`.
    """
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name ending in .apkg")
    now = time.time() if now is None else now
    today = today or sm2.study_day(datetime.fromtimestamp(now), rollover_hour)
    models = build_models()
    if prepared is None:
        prepared = prepare_notes(decks)
    package_decks = []
    for deck in decks:
        anki_deck = genanki.Deck(anki_deck_id(deck.id), deck.name, deck.description)
        for note_type in sorted({note.type for note in deck.notes}):
            anki_deck.add_model(models[note_type])
        package_decks.append(anki_deck)

    # Scratch and temp files live next to `out` (not in TMPDIR), named so a
    # crashed export's leftovers are cleaned by the next one (export_target).
    try:
        db_path = export_target.scratch_file(out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    tmp_out: Path | None = export_target.temp_path(out)
    try:
        conn = sqlite3.connect(db_path)
        try:
            # A scratch file, zipped below and then deleted: no journal, no fsync.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA temp_store = MEMORY")
            ids = itertools.count(int(now * 1000))
            # genanki writes the collection: schema, note types, decks. The decks
            # carry no notes: their rows are inserted in bulk below.
            genanki.Package(package_decks).write_to_db(conn.cursor(), now, ids)
            note_rows, card_rows = _note_and_card_rows(
                decks, prepared, ids, int(now), note_mtimes or {}
            )
            conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
            conn.executemany(
                "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows
            )
            note_count, card_count = len(note_rows), len(card_rows)
            with_state = revlog_rows = 0
            if with_progress:
                with_state, revlog_rows = _write_progress(
                    conn, decks, prepared, today, rollover_hour
                )
            conn.commit()
        finally:
            conn.close()
        # Stored, not deflated, as genanki writes it: deflating cost more than the rest.
        export_target.write_zip(
            tmp_out, {"collection.anki2": Path(db_path), "media": json.dumps({}).encode()}, now
        )
        if before_replace is not None:
            before_replace()
        os.replace(tmp_out, out)
        tmp_out = None
    except (OSError, sqlite3.OperationalError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ExportError(f"cannot write {out}: {reason}") from None
    finally:
        Path(db_path).unlink(missing_ok=True)
        if tmp_out is not None:
            tmp_out.unlink(missing_ok=True)
    return ExportResult(out, len(decks), note_count, card_count, with_state, revlog_rows)


def _note_and_card_rows(
    decks: Sequence[ExportDeck],
    prepared: dict[tuple[str, str], tuple[str, list[str]]],
    ids: Iterator[int],
    now: int,
    mtimes: dict[str, int],
) -> tuple[list[tuple], list[tuple]]:
    """The rows genanki's ``Note.write_to_db`` would insert, for one ``executemany`` each.

    genanki executes one INSERT per note and per card, which was most of an
    export's time. Ids are drawn in genanki's order (a note, then its cards), and
    a test checks these rows against genanki's own for the same notes.
    """
    note_rows, card_rows = [], []
    position = itertools.count()
    for deck in decks:
        anki_deck = anki_deck_id(deck.id)
        for note in deck.notes:
            guid, fields = prepared[note.deck_id, note.card_key]
            note_id = next(ids)
            # The sort field is the first (genanki's default sort_field_index).
            note_rows.append(
                (
                    note_id,
                    guid,
                    MODEL_IDS[note.type],
                    mtimes.get(guid, now),
                    -1,
                    f" {' '.join(note.tags)} ",
                    "\x1f".join(fields),
                    fields[0],
                    0,
                    0,
                    "",
                )
            )
            # `due` is the new-card position: Anki shows new cards in deck order.
            due = next(position)
            card_rows.extend(
                (
                    next(ids),
                    note_id,
                    anki_deck,
                    ord_,
                    now,
                    -1,
                    0,
                    0,
                    due,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )
                for ord_ in item_ords(note.type, note.front, note.text)
            )
    return note_rows, card_rows


def _write_progress(
    conn: sqlite3.Connection,
    decks: Iterable[ExportDeck],
    prepared: dict[tuple[str, str], tuple[str, list[str]]],
    today: date,
    rollover_hour: int,
) -> tuple[int, int]:
    """Give the package's cards their SM-2 state and write the review log, in Anki's schema."""
    # genanki's collection uses the v1 scheduler, whose day number is whole
    # days since `crt`. Starting `crt` at the start of today's study day makes
    # today day 0; Anki shifts these day numbers into the importing collection.
    day_start = datetime.combine(today, datetime.min.time()) + timedelta(hours=rollover_hour)
    # schedVer 2: without it Anki reads the log as the v1 scheduler's, whose
    # learning answers had three buttons, and shifts our Good (3) to Easy (4).
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    conf.update(schedVer=2, rollover=rollover_hour)
    conn.execute("UPDATE col SET crt = ?, conf = ?", [int(day_start.timestamp()), json.dumps(conf)])
    card_ids = {
        (guid, ord_): cid
        for guid, ord_, cid in conn.execute(
            "SELECT n.guid, c.ord, c.id FROM cards c JOIN notes n ON n.id = c.nid"
        )
    }
    used_revlog_ids: set[int] = set()
    cards_done = revlog_rows = 0
    for deck in decks:
        for note in deck.notes:
            guid = prepared[note.deck_id, note.card_key][0]
            for ord_, progress in note.progress.items():
                cid = card_ids.get((guid, ord_))
                if cid is None:
                    continue
                state = progress.state
                scheduled = [r for r in progress.reviews if r["kind"] == "scheduled"]
                queue = -1 if progress.suspended else None
                if state.due is not None:
                    # Anki keeps the last review time in the card's data ("lrt").
                    last = int(datetime.fromisoformat(scheduled[-1]["reviewed_at"]).timestamp())
                    conn.execute(
                        "UPDATE cards SET type = 2, queue = ?, due = ?, ivl = ?, factor = ?, "
                        "reps = ?, lapses = ?, left = 0, data = ? WHERE id = ?",
                        [
                            2 if queue is None else queue,
                            (state.due - today).days,
                            state.interval,
                            state.ef_hundredths * 10,
                            len(scheduled),
                            state.lapses,
                            json.dumps({"lrt": last}, separators=(",", ":")),
                            cid,
                        ],
                    )
                    cards_done += 1
                elif queue is not None:
                    conn.execute("UPDATE cards SET queue = -1 WHERE id = ?", [cid])
                for review in progress.reviews:
                    conn.execute(
                        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, "
                        "type) VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                        [
                            _unique_ms(review["reviewed_at"], used_revlog_ids),
                            cid,
                            ANKI_EASE[review["grade"]],
                            review["interval_after"],
                            review["interval_before"],
                            review["ef_after"] * 10,
                            min(review["duration_ms"] or 0, MAX_ANSWER_MS),
                            _revlog_type(review),
                        ],
                    )
                    revlog_rows += 1
    return cards_done, revlog_rows


def _revlog_type(review: dict) -> int:
    if review["kind"] == "cram":
        return REVLOG_FILTERED
    if review["kind"] == "redrill":
        return REVLOG_RELEARN
    return REVLOG_LEARN if review["due_before"] is None else REVLOG_REVIEW


def _unique_ms(reviewed_at: str, used: set[int]) -> int:
    """Revlog ids are answer times in ms and must be unique."""
    ms = int(datetime.fromisoformat(reviewed_at).timestamp() * 1000)
    while ms in used:
        ms += 1
    used.add(ms)
    return ms
