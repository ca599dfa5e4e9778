"""Anki packages and text files of notes are untrusted: fuzz them through convert and import.

Hypothesis builds collection databases with hostile schemas and values (NULL,
numbers and BLOBs where text belongs, missing note types, odd JSON shapes and
depths), media maps with hostile names and missing or damaged entries, both
package versions, damaged zips and zstd bombs; and CSV/TSV/Anki text with
quotes, CR line ends, `#` rows, odd separators and control characters.
Properties, for every input:

* `convert` exits 0 or 1, never with an exception, and prints no raw control
  character; refused, it writes nothing (OUT not created); accepted, `check OUT`
  passes and every file it wrote is inside OUT;
* `import` of the same source agrees (0 or 1) and a refused one adds no card.

Bounded examples in the normal run; `STUDYAPP_FUZZ=long` runs many more.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from pathlib import Path

import zstandard
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from studyapp.cli import cli
from tests.deckfile.test_fuzz_decks import CONTROL_RE, PROFILE, card_count

MODEL_ID = 1700000000001
# Each example converts and imports once (~0.2 s): fewer than the deck fuzzer's in the normal run.
EXAMPLES = settings(
    settings.get_profile(PROFILE),
    max_examples=settings.get_profile(PROFILE).max_examples
    if PROFILE == "fuzz-long" or os.environ.get("STUDYAPP_FUZZ_EXAMPLES")
    else 30,
)


def mostly(valid: st.SearchStrategy, hostile: st.SearchStrategy) -> st.SearchStrategy:
    """`valid` seven times in eight: a package hostile in one place gets past the others."""
    return st.integers(0, 7).flatmap(lambda n: hostile if n == 0 else valid)


VALUES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.binary(max_size=12),
    st.lists(st.sampled_from([*"ab \x1f\x00\x1b{}:<>#\"'", "{{c1::", "}}"]), max_size=20).map(
        "".join
    ),
)
FIELDS = mostly(
    st.lists(st.text(alphabet="ab <b>&é\x1b\n", max_size=12), min_size=1, max_size=3).map(
        "\x1f".join
    ),
    VALUES,
)

JSON_VALUES = st.one_of(
    st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)
)
GOOD_MODEL = {
    "name": "Basic",
    "type": 0,
    "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
    "tmpls": [{}],
}
MODELS = mostly(
    st.just(json.dumps({str(MODEL_ID): GOOD_MODEL})),
    st.one_of(
        st.sampled_from(["[]", "null", "{", '{"1": []}', '{"x": {}}', "[" * 5000, '"s"']),
        st.builds(lambda n: json.dumps({str(MODEL_ID): {**GOOD_MODEL, "flds": n}}), JSON_VALUES),
        st.builds(lambda n: json.dumps({str(MODEL_ID): {**GOOD_MODEL, "name": n}}), JSON_VALUES),
        VALUES,
    ),
)
MEDIA_NAMES = mostly(
    st.sampled_from(["a.png", "b.mp3", "deck.toml", "c d.png"]),
    st.one_of(
        st.sampled_from(["../up.png", "/abs.png", "d/a.png", "a\x00.png", ""]),
        st.text(max_size=8),
        st.integers(),
        st.none(),
    ),
)


def collection(path: Path, draw: st.DrawFn) -> bytes:
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE col (models, decks); CREATE TABLE notes (id, guid, mid, tags, flds);"
        "CREATE TABLE cards (id, nid, did, ord);"
    )
    if draw(st.integers(0, 9)):
        decks = draw(
            mostly(st.just('{"1": {"name": "D"}}'), st.sampled_from(['{"1": {}}', "[]", None, "{"]))
        )
        conn.execute("INSERT INTO col VALUES (?, ?)", [draw(MODELS), decks])
    notes = draw(
        st.lists(
            st.tuples(
                mostly(st.integers(1, 5), VALUES),
                mostly(st.text("abc", min_size=1, max_size=3), VALUES),
                mostly(st.just(MODEL_ID), VALUES),
                mostly(st.just(" t "), VALUES),
                FIELDS,
            ),
            max_size=4,
        )
    )
    conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?)", notes)
    conn.executemany("INSERT INTO cards VALUES (?,?,1,0)", [(n[0], n[0]) for n in notes])
    conn.commit()
    conn.close()
    data = path.read_bytes()
    path.unlink()
    return data


@st.composite
def packages(draw: st.DrawFn, folder: Path) -> Path:
    data = collection(folder / "c.db", draw)
    latest = draw(st.booleans())
    compress = zstandard.ZstdCompressor().compress
    members: dict[str, bytes] = {}
    names = draw(st.lists(MEDIA_NAMES, max_size=3))
    if latest:
        members["meta"] = draw(
            mostly(st.just(b"\x08\x03"), st.sampled_from([b"\x08" + b"\xff" * 20, b"\x08"]))
        )
        members["collection.anki21b"] = draw(
            mostly(st.just(compress(data)), st.sampled_from([data, compress(b"\0" * 300_000)]))
        )
        entries = b""
        for name in names:
            raw = str(name).encode()
            entry = b"\x0a" + bytes([len(raw) % 128]) + raw[:127]
            entries += b"\x0a" + bytes([len(entry)]) + entry
        members["media"] = compress(entries)
        content = lambda n: draw(mostly(st.just(compress(b"img%d" % n)), st.just(b"not zstd")))  # noqa: E731
    else:
        members["collection.anki2"] = data
        media_map: dict[str, object] = {str(n): name for n, name in enumerate(names)}
        members["media"] = draw(
            mostly(st.just(json.dumps(media_map).encode()), st.sampled_from([b"[]", b"{"]))
        )
        content = lambda n: b"img%d" % n  # noqa: E731
    for number in range(len(names)):
        if draw(st.integers(0, 7)):  # sometimes the entry is missing
            members[str(number)] = content(number)
    path = folder / "shared.apkg"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in members.items():
            archive.writestr(name, value)
    if draw(st.integers(0, 7)) == 0:  # damage a byte: a CRC, a header, compressed data
        raw = bytearray(path.read_bytes())
        raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
        path.write_bytes(bytes(raw))
    return path


TEXT_CELLS = st.lists(
    st.sampled_from(
        [
            *'ab ,;\t"#:\r\n\x1b\x00\\é',
            "#separator:",
            "#html:true",
            "Front",
            "Back",
            "Answer",
            "Id",
            "Tags",
        ]
    ),
    max_size=60,
).map("".join)


def check_source(tmp: Path, source: Path) -> None:
    runner = CliRunner()
    out = tmp / "out"
    converted = runner.invoke(cli, ["convert", str(source), "-o", str(out)])
    assert converted.exception is None or isinstance(converted.exception, SystemExit), converted
    assert converted.exit_code in (0, 1), converted.output
    assert not CONTROL_RE.search(converted.output.replace("\n", ""))
    event("refused" if converted.exit_code else "converted")
    if converted.exit_code:
        assert not out.exists()
    else:
        written = [p for p in tmp.rglob("*") if p.is_file()]
        assert all(p.is_relative_to(out) or p.parent == tmp for p in written)
        checked = runner.invoke(cli, ["check", str(out)])
        assert checked.exception is None or isinstance(checked.exception, SystemExit), checked
        if any(out.glob("*.toml")):
            assert checked.exit_code == 0, checked.stderr
    db = tmp / "s.db"
    imported = runner.invoke(cli, ["--db", str(db), "import", str(source)])
    assert imported.exception is None or isinstance(imported.exception, SystemExit), imported
    assert imported.exit_code == converted.exit_code, imported.output
    assert not CONTROL_RE.search(imported.output.replace("\n", ""))
    if imported.exit_code:
        assert card_count(db) == 0


@EXAMPLES
@given(data=st.data())
def test_a_hostile_package_is_converted_or_refused_in_one_piece(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("pkg")
    check_source(tmp, data.draw(packages(tmp)))


@EXAMPLES
@given(text=TEXT_CELLS, suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_a_hostile_text_file_is_converted_or_refused_in_one_piece(tmp_path_factory, text, suffix):
    tmp = tmp_path_factory.mktemp("txt")
    source = tmp / f"shared{suffix}"
    source.write_bytes(text.encode("utf-8", "surrogatepass"))
    check_source(tmp, source)
