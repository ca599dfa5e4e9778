"""`convert` carries an Anki package's review log beside the deck files, and `import` of those
deck files merges it exactly as importing the package would (packages from Anki's backend)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sync.test_anki_history import export, item_states, log_rows, run, studied_collection


def _converted(tmp_path: Path, form: str) -> tuple[Path, Path]:
    col, _cards = studied_collection(tmp_path / "anki")
    source, col = export(col, tmp_path, form)
    col.close()
    out = tmp_path / "decks"
    result = run("convert", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert "7 Anki reviews (" in result.output and "beside them in *.history.jsonl" in result.output
    return source, out


@pytest.mark.parametrize("form", ["apkg", "colpkg"])
def test_converted_history_imports_as_the_package_does(tmp_path, form):
    source, out = _converted(tmp_path, form)
    histories = sorted(out.glob("*.history.jsonl"))
    assert histories and all((out / f"{p.name.split('.')[0]}.toml").exists() for p in histories)
    header = json.loads(histories[0].read_text().splitlines()[0])
    assert header == {"format": "studyapp-events", "version": 2, "device": "anki"}

    direct, via_files = tmp_path / "direct.db", tmp_path / "files.db"
    assert run("--db", direct, "import", source).exit_code == 0
    first = run("--db", via_files, "import", out)
    assert first.exit_code == 0, first.output
    assert "Review history from Anki: 7 reviews added (" in first.output
    # The same rows (row ids are local: the files merge deck by deck).
    assert sorted(log_rows(via_files)) == sorted(log_rows(direct))
    assert item_states(via_files) == item_states(direct)
    assert all(row[0].startswith("anki-") for row in log_rows(via_files))

    # Twice, or the package after the files (and the files after the package): nothing new.
    states, log = item_states(via_files), sorted(log_rows(via_files))
    for db, path in ((via_files, out), (via_files, source), (direct, out)):
        again = run("--db", db, "import", path)
        assert again.exit_code == 0, again.output
        assert "Review history from Anki: 0 reviews added, 7 already here" in again.output
        assert (item_states(db), sorted(log_rows(db))) == (states, log)


def _history_with_cards(out: Path) -> Path:
    return max(out.glob("*.history.jsonl"), key=lambda p: len(p.read_text().splitlines()))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda line: line.replace('"grade": 1,', '"grade": 9,'), ":3: grade must be"),
        (lambda line: line.replace('"id": "anki-', '"id": "mine-'), ":3: not a review from Anki"),
        (lambda line: line.replace('"deck": "', '"deck": "x'), ":3: a review of deck"),
        (lambda line: line.replace('"type": "review"', '"type": "bury"'), ":3: event keys wrong"),
    ],
)
def test_a_bad_history_file_is_one_line_and_nothing_is_imported(tmp_path, change, message):
    _source, out = _converted(tmp_path, "apkg")
    path = _history_with_cards(out)
    lines = path.read_text().splitlines(keepends=True)
    # Line 3 is the second review, the Good re-drill, or any: pick one the change touches.
    target = next(i for i, line in enumerate(lines[1:], start=1) if change(line) != line)
    lines[2], lines[target] = lines[target], lines[2]
    lines[2] = change(lines[2])
    path.write_text("".join(lines))
    db = tmp_path / "s.db"
    result = run("--db", db, "import", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"studyapp: {path}{message}")
    assert result.stderr.rstrip().endswith("nothing imported")
    assert not db.exists() or (log_rows(db) == [] and item_states(db) == [])


def test_a_cut_short_history_file_is_refused(tmp_path):
    _source, out = _converted(tmp_path, "apkg")
    path = _history_with_cards(out)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    result = run("--db", tmp_path / "s.db", "import", out)
    lines = data.count(b"\n")
    assert result.exit_code == 1
    assert f"{path}:{lines}: the last line is cut short; nothing imported" in result.stderr


def test_reviews_of_cards_gone_from_the_deck_file_are_left_out_and_counted(tmp_path):
    _source, out = _converted(tmp_path, "apkg")
    path = _history_with_cards(out)
    events = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    gone = events[0]["card"]
    deck = path.with_name(path.name.replace(".history.jsonl", ".toml"))
    text = deck.read_text()
    start = text.index(f'id = "{gone}"')
    start = text.rindex("[[cards]]", 0, start)
    end = text.find("[[cards]]", start + 1)
    deck.write_text(text[:start] + (text[end:] if end != -1 else ""))
    result = run("--db", tmp_path / "s.db", "import", out)
    assert result.exit_code == 0, result.output
    missing = sum(1 for e in events if e["card"] == gone)
    assert f"{7 - missing} reviews added" in result.output
    assert f"{missing} of cards not imported left out" in result.output
