"""Shared decks are untrusted: fuzz them through check → import → review → export → Anki.

Hypothesis writes deck files, valid and mutated (random bytes, control
characters, truncation, odd TOML shapes), and runs each through the whole
path a shared deck takes. Properties:

* `check` either accepts the file or prints `path:line: message` lines and
  exits 1; never an exception, never a raw control character;
* a refused file writes nothing to the database;
* no control character reaches a rendered screen, even from text that got
  into the database by another way (an older version's import);
* every note Anki's own backend reads from the export has exactly its note
  type's field count.

The normal run keeps to a bounded number of examples; for a longer manual run:
`STUDYAPP_FUZZ=long pytest tests/deckfile/test_fuzz_decks.py` (or set
STUDYAPP_FUZZ_EXAMPLES=N).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from studyapp.cli import cli
from studyapp.store import Store
from studyapp.ui.app import create_app
from studyapp.ui.screens.review import ReviewScreen

settings.register_profile(
    "fuzz-normal",
    max_examples=int(os.environ.get("STUDYAPP_FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz-long",
    max_examples=int(os.environ.get("STUDYAPP_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = "fuzz-long" if os.environ.get("STUDYAPP_FUZZ") == "long" else "fuzz-normal"

CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
PROBLEM_LINE_RE = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+))?: \S")
CONTROLS = [chr(c) for c in (*range(0x09), *range(0x0B, 0x20), 0x7F, 0x85, 0x9B)]
# What a card's text is made of: words, Markdown, cloze syntax, HTML, odd Unicode.
TEXT = st.lists(
    st.sampled_from(
        [*"ab1 .-*_`\\\n\t&<>\"'#[]{}:", "{{c1::", "}}", "::", "é", "\u202e", "\u2028"]
    ),
    max_size=30,
).map("".join)
SLUG = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,8}", fullmatch=True)
ODD_SHAPES = [
    "[cards]\n",
    "[[deck]]\n",
    "cards = 3\n",
    "x = [[[[1]]]]\n",
    'front = """\n[[cards]]\nid = "fake"\n"""\n',
    "[deck\n",
    "= broken\n",
    'text = "{{c99999999999999999999999::x}}"\n',
    'tags = ["a b"]\n',
]


def toml_string(value: str) -> str:
    # JSON's string escapes are TOML's; DEL and C1 must be escaped in TOML too.
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


@st.composite
def cards(draw: st.DrawFn, index: int) -> str:
    kind = draw(st.sampled_from(["basic", "reversed", "cloze"]))
    lines = [f'id = "{draw(SLUG)}-{index}"', f'type = "{kind}"']
    if kind == "cloze":
        number = draw(st.integers(1, 3))
        lines.append(f"text = {toml_string(draw(TEXT) + f'{{{{c{number}::ans}}}}' + draw(TEXT))}")
    else:
        lines.append(f"front = {toml_string('q ' + draw(TEXT))}")
        lines.append(f"back = {toml_string('a ' + draw(TEXT))}")
    if draw(st.booleans()):
        lines.append(f"extra = {toml_string(draw(TEXT))}")
    tags = draw(st.lists(SLUG, max_size=2))
    lines.append(f"tags = [{', '.join(toml_string(t) for t in tags)}]")
    return "[[cards]]\n" + "\n".join(lines) + "\n"


@st.composite
def valid_decks(draw: st.DrawFn) -> str:
    head = (
        f'[deck]\nid = "{draw(SLUG)}"\nname = {toml_string("Deck " + draw(TEXT))}\n'
        f"description = {toml_string(draw(TEXT))}\n\n"
    )
    count = draw(st.integers(1, 4))
    return head + "\n".join(draw(cards(i)) for i in range(count))


@st.composite
def deck_files(draw: st.DrawFn) -> bytes:
    text = draw(valid_decks())
    mutation = draw(
        st.sampled_from(["none", "none", "control", "truncate", "bytes", "shape", "escape"])
    )
    data = text.encode()
    if mutation == "control":
        at = draw(st.integers(0, len(text)))
        return (text[:at] + draw(st.sampled_from(CONTROLS)) + text[at:]).encode()
    if mutation == "escape":
        # A control character written as a TOML escape: valid TOML, refused by check.
        quotes = [m.start() for m in re.finditer(r'"', text)]
        at = draw(st.sampled_from(quotes)) + 1
        code = ord(draw(st.sampled_from(CONTROLS)))
        return (text[:at] + f"\\u{code:04x}" + text[at:]).encode()
    if mutation == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if mutation == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if mutation == "shape":
        at = text.find("[[cards]]")
        return (text[:at] + draw(st.sampled_from(ODD_SHAPES)) + text[at:]).encode()
    return data


def card_count(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    finally:
        conn.close()


def assert_problem_lines(path: Path, stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert lines and re.fullmatch(r"\d+ problems? found", lines[-1]), stderr
    for line in lines[:-1]:
        match = PROBLEM_LINE_RE.match(line)
        assert match and match.group("path") == str(path), line


async def review_screens(db: Path) -> list[str]:
    """Every screen of a short review, as the terminal would show it (SVG text)."""
    store = Store.open(db)
    # Text that got in another way (an older version's import, a note) is hostile too.
    with store.transaction():
        store.conn.execute(
            "UPDATE cards SET front = front || ?, back = back || ?, note = ?",
            ["\x1b]0;pwned\x07", "\x1b[2J\x1f", "\x1b]52;c;aGk=\x07"],
        )
    app = create_app(
        store, start="review", sync_bundled=False, clock=lambda: datetime(2026, 11, 23, 12)
    )
    shots = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(3):
                if not isinstance(app.screen, ReviewScreen) or app.screen.session.current() is None:
                    break
                await pilot.press("space")
                await pilot.pause()
                shots.append(app.export_screenshot())
                await pilot.press("4")
            await pilot.pause()
            shots.append(app.export_screenshot())
    finally:
        store.close()
    return shots


def anki_field_counts(package: Path, folder: Path) -> list[tuple[int, int]]:
    col = Collection(str(folder / "collection.anki2"))
    try:
        request = ImportAnkiPackageRequest(
            package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=False)
        )
        col.import_anki_package(request)
        counts = []
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            counts.append((len(note.fields), len(note.note_type()["flds"])))
        return counts
    finally:
        col.close()


@pytest.mark.slow
@settings.get_profile(PROFILE)
@given(data=deck_files())
def test_a_shared_deck_can_show_text_and_nothing_else(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "shared.toml"
    path.write_bytes(data)
    db = tmp / "student.db"
    runner = CliRunner()

    checked = runner.invoke(cli, ["--db", str(db), "check", str(path)])
    assert checked.exception is None or isinstance(checked.exception, SystemExit), checked
    assert not CONTROL_RE.search(checked.output + checked.stderr)
    imported = runner.invoke(cli, ["--db", str(db), "import", str(path)])
    assert not CONTROL_RE.search(imported.output + imported.stderr)
    event("refused" if checked.exit_code else "valid: through review, export and Anki")
    if checked.exit_code != 0:
        assert checked.exit_code == 1
        assert_problem_lines(path, checked.stderr)
        assert imported.exit_code == 1 and card_count(db) == 0  # nothing written
        return
    assert imported.exit_code == 0, imported.stderr
    if card_count(db) == 0:
        return  # a deck of no cards (a truncated file can be one): nothing to show

    for shot in asyncio.run(review_screens(db)):
        assert not CONTROL_RE.search(shot)
        assert not re.search(r"&#(?:[0-8]|1[1-9]|2\d|3[01]|12[7-9]|1[3-5]\d);", shot)

    package = tmp / "out.apkg"
    exported = runner.invoke(cli, ["--db", str(db), "export", "-o", str(package)])
    assert exported.exit_code == 0, exported.stderr
    anki_folder = tmp / "anki"
    anki_folder.mkdir()
    counts = anki_field_counts(package, anki_folder)
    assert counts and all(have == want for have, want in counts)
