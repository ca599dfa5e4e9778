"""`studyapp lint`: every rule with a card that breaks it and one that does not, the
suppression field, the command's output, exit codes and bad input."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.lint import RULES, Finding, lint_paths
from studyapp.locations import bundled_decks_dir
from tests.paths import ROOT

HEADER = '[deck]\nid = "{deck}"\nname = "Lint::{deck}"\n\n'
WriteDeck = Callable[..., Path]
LintCards = Callable[..., list[Finding]]


def card(card_id: str = "c", **fields: object) -> str:
    """A [[cards]] table; string values quoted, a source and tag added unless given."""
    fields.setdefault("source", "Somewhere")
    fields.setdefault("tags", ["topic"])
    lines = [f'id = "{card_id}"']
    for key, value in fields.items():
        if value is None:
            continue
        lines.append(
            f"{key} = {json.dumps(value, ensure_ascii=False)}"
            if key != "lint_ignore"
            else f"{key} = {value}"
        )
    return "[[cards]]\n" + "\n".join(lines) + "\n\n"


# A source text for `off-source`: what the small decks below are held to.
SOURCE = (
    "Pressure may also gate nociception via the Gate Control Theory (Melzack & Wall). "
    "An LTR is an involuntary spinal cord reflex of the taut muscle band. "
    "Ischaemia is common at active trigger points."
)


@pytest.fixture
def lint_cards(write_deck: WriteDeck) -> Callable[..., list[Finding]]:
    def run(*cards: str, deck: str = "d", source: str | None = None) -> list[Finding]:
        path = write_deck(HEADER.format(deck=deck) + "".join(cards), f"{deck}.toml")
        report = lint_paths([path], source)
        assert report.problems == []
        return report.findings

    return run


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# --- one good and one bad card per rule -------------------------------------------------

CASES = {
    "answer-in-question": (
        card(front="Which theory explains how pressure may gate pain?", back="Gate Control Theory"),
        card(
            front="Which theory explains how pressure may reduce pain?", back="Gate Control Theory"
        ),
    ),
    "cloze-set": (
        card(
            type="cloze",
            text="Use it for {{c1::chronic pain}}; {{c2::headaches}}; {{c3::restricted ROM}}.",
        ),
        card(
            type="cloze", text="The LTR is an {{c1::involuntary}} reflex of the {{c2::taut band}}."
        ),
    ),
    "cloze-inferable": (
        card(
            type="cloze", text="Pressure may {{c1::gate}} nociception via the Gate Control Theory."
        ),
        card(
            type="cloze",
            text="Pressure may gate nociception via the theory of {{c1::Melzack & Wall}}.",
        ),
    ),
    "identifier-answer": (
        card(front="What is the DOI of Tough et al.?", back="10.1016/j.ejpain.2008.01.006"),
        card(front="In which journal did Tough et al. publish?", back="European Journal of Pain"),
    ),
    "yes-no-question": (
        card(front="The source names a theory. Does it cite a year for it?", back="No"),
        card(front="Which year does the source give for the theory?", back="None"),
    ),
    "list-answer": (
        card(
            front="Which effects does the source list for the LTR?",
            back="- less tightness\n- less pain\n- better blood flow",
        ),
        card(front="What kind of reflex is the LTR?", back="An involuntary spinal cord reflex."),
    ),
    "long-answer": (
        card(front="What does the source say about LTRs?", back=" ".join(["word"] * 26)),
        card(front="What kind of reflex is the LTR?", back="An involuntary spinal cord reflex."),
    ),
    "missing-source": (
        card(front="What is common at active trigger points?", back="Ischaemia", source=None),
        card(front="What is common at active trigger points?", back="Ischaemia"),
    ),
    "untagged-conflict": (
        card(front="Which year is Tough et al.?", back="2009", extra="Source conflict: 2017."),
        card(
            front="Which year is Tough et al.?",
            back="2009",
            extra="Source conflict: 2017.",
            tags=["evidence::source-conflict"],
        ),
    ),
    "off-source": (
        card(front="What kind of reflex is the LTR?", back="A voluntary brainstem habit."),
        card(front="What kind of reflex is the LTR?", back="An involuntary spinal cord reflex."),
    ),
    "mirror-image": (
        card("a", front="What is common at active trigger points?", back="Ischaemia")
        + card("b", front="Where is ischaemia common?", back="At active trigger points"),
        card("a", front="What is common at active trigger points?", back="Ischaemia")
        + card("b", front="What may gate nociception?", back="Pressure"),
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_flags_the_bad_card_and_passes_the_good_one(
    lint_cards: LintCards, rule: str
) -> None:
    bad, good = CASES[rule]
    assert rule in rules(lint_cards(bad, source=SOURCE))
    assert rule not in rules(lint_cards(good, source=SOURCE))


def test_every_rule_has_cases() -> None:
    assert set(RULES) - set(CASES) == {
        "near-duplicate",
        "lint-ignore",
        "anki-template",
    }  # tested below, and in test_note_types


# --- answers held to the source, and mirror images ----------------------------------------


def test_off_source_names_the_missing_words_and_only_runs_with_a_source(
    lint_cards: LintCards,
) -> None:
    bad = card(front="What kind of reflex is the LTR?", back="A voluntary brainstem habit.")
    [finding] = lint_cards(bad, source=SOURCE)
    assert finding.rule == "off-source" and finding.severity == "error" and finding.line == 5
    assert "3 of 3 content words" in finding.message and "brains, habit, volunt" in finding.message
    assert lint_cards(bad) == []


def test_off_source_allows_a_minority_of_new_words_and_answers_about_the_source(
    lint_cards: LintCards,
) -> None:
    # "involuntary spinal reflex" is the source's; "brisk" is one word in four: not mostly absent.
    some = card(front="What kind of reflex is the LTR?", back="A brisk involuntary spinal reflex.")
    none = card("n", front="What year does the source give for Melzack & Wall?", back="None.")
    assert lint_cards(some, none, source=SOURCE) == []


def test_off_source_checks_every_item_of_a_card(lint_cards: LintCards) -> None:
    cloze = card("z", type="cloze", text="Pressure may {{c1::soothe fascia}} via a theory.")
    reverse = card("r", type="reversed", front="Lactic acid buildup", back="Ischaemia")
    found = [
        (f.card_id, f.message.split(":")[0]) for f in lint_cards(cloze, reverse, source=SOURCE)
    ]
    assert found == [("z", "c1"), ("r", "reverse")]


def test_an_answer_marked_as_outside_material_or_suppressed_passes(lint_cards: LintCards) -> None:
    marked = card(front="Which year?", back="1965 (outside the source: Science 1965;150:971)")
    quiet = card(
        "q",
        front="What kind of reflex is the LTR?",
        back="A voluntary brainstem habit.",
        lint_ignore='[{rule = "off-source", reason = "a deliberate wrong answer for a quiz"}]',
    )
    assert lint_cards(marked, quiet, source=SOURCE) == []
    # Without a source there is nothing to suppress yet: no "suppresses nothing" warning.
    assert lint_cards(quiet) == []


def test_mirror_images_across_decks_and_not_within_a_reversed_card(write_deck: WriteDeck) -> None:
    one = write_deck(
        HEADER.format(deck="one")
        + card("tough", front="What did Tough et al. find about needling?", back="It reduced pain"),
        "one.toml",
    )
    two = write_deck(
        HEADER.format(deck="two")
        + card("which", front="Which review found that needling reduced pain?", back="Tough et al.")
        + card("rev", type="reversed", front="Gate Control Theory", back="Melzack & Wall"),
        "two.toml",
    )
    findings = lint_paths([one, two]).findings
    assert [(f.path.name, f.card_id, f.rule, f.severity) for f in findings] == [
        ("two.toml", "which", "mirror-image", "warning")
    ]
    assert "mirrors one/tough front" in findings[0].message
    assert lint_paths([two]).findings == []


def test_a_mirrored_pair_is_not_also_a_near_duplicate(lint_cards: LintCards) -> None:
    # Swapped question and answer: the same words, so near-duplicate would fire too.
    first = card("a", front="What is common at active trigger points?", back="Ischaemia")
    second = card("b", front="Where is ischaemia common?", back="At active trigger points")
    assert [(f.card_id, f.rule) for f in lint_cards(first, second)] == [("b", "mirror-image")]


def test_one_way_overlap_is_not_a_mirror(lint_cards: LintCards) -> None:
    # The second question contains the first answer, but not the other way round.
    first = card("a", front="What is common at active trigger points?", back="Ischaemia")
    second = card("b", front="Which heading does ischaemia fall under?", back="Improved Blood Flow")
    assert "mirror-image" not in rules(lint_cards(first, second))


def test_command_holds_answers_to_a_source_file(
    runner: CliRunner, write_deck: WriteDeck, tmp_path: Path
) -> None:
    path = write_deck(
        HEADER.format(deck="d")
        + card(
            "habit", front="What kind of reflex is the LTR?", back="A voluntary brainstem habit."
        )
    )
    source = tmp_path / "source.txt"
    source.write_text(SOURCE, encoding="utf-8")
    assert runner.invoke(cli, ["lint", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["lint", "--source", str(source), str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(f"{path}:5: habit: off-source: error: front: ")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, ": no such source text"),
        (b"\xff\xfe not text", ": the source text is not UTF-8 (byte 0)"),
        (b"  \n", ": the source text is empty"),
    ],
)
def test_bad_source_file_is_one_clear_line(
    runner: CliRunner, tmp_path: Path, content: bytes | None, says: str
) -> None:
    deck = tmp_path / "d.toml"
    deck.write_text(HEADER.format(deck="d") + card(front="Q?", back="Ischaemia"), encoding="utf-8")
    source = tmp_path / "source.txt"
    if content is not None:
        source.write_bytes(content)
    result = runner.invoke(cli, ["lint", "--source", str(source), str(deck)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip().startswith(f"studyapp: {source}{says}")
    assert len(result.output.strip().splitlines()) == 1


def test_bundled_decks_lint_clean_against_a_source_made_of_their_answers() -> None:
    # The real source lives beside the repository (tests/content checks the decks against it);
    # here the rule must at least accept the decks' own answers and reject an unrelated text.
    from studyapp.deckfile.reader import load_decks
    from studyapp.lint.rules import items

    decks = load_decks([bundled_decks_dir()])
    answers = " ".join(i.answer for d in decks for c in d.cards for i in items(c))
    assert lint_paths([bundled_decks_dir()], answers).findings == []
    unrelated = lint_paths([bundled_decks_dir()], "Bake the bread at a high heat.").findings
    assert {f.rule for f in unrelated} == {"off-source"}


def test_reverse_side_that_shows_the_front(lint_cards: LintCards) -> None:
    bad = card(
        type="reversed",
        front="Descending inhibition (proposed mechanism)",
        back="Stimulation activates descending inhibitory pathways",
    )
    good = card(
        type="reversed",
        front="Descending inhibition",
        back="Brainstem pathways that damp nociceptive transmission in the spinal cord",
    )
    [finding] = lint_cards(bad)
    assert finding.rule == "answer-in-question" and "reverse side" in finding.message
    assert lint_cards(good) == []


def test_a_list_of_deletions_in_prose_is_not_a_set(lint_cards: LintCards) -> None:
    prose = card(
        type="cloze",
        text="Trigger points show abnormal {{c1::spontaneous electrical "
        "activity}} on {{c2::EMG}}. This {{c3::normalises}} after LTR.",
    )
    assert "cloze-set" not in rules(lint_cards(prose))


def test_a_choice_question_is_not_yes_no(lint_cards: LintCards) -> None:
    choice = card(front="Is the LTR voluntary or involuntary?", back="Involuntary: a reflex")
    assert "yes-no-question" not in rules(lint_cards(choice))


def test_near_duplicates_across_decks(write_deck: WriteDeck) -> None:
    one = write_deck(
        HEADER.format(deck="one")
        + card(
            "a",
            front="What does the source say is common at active trigger points?",
            back="Ischaemia.",
        ),
        "one.toml",
    )
    two = write_deck(
        HEADER.format(deck="two")
        + card(
            "b",
            front="According to the source, what is common at active trigger points?",
            back="Ischaemia",
        )
        + card(
            "c", front="What kind of reflex is the LTR?", back="An involuntary spinal cord reflex."
        ),
        "two.toml",
    )
    findings = lint_paths([one, two]).findings
    assert [(f.path.name, f.card_id, f.rule) for f in findings] == [
        ("two.toml", "b", "near-duplicate")
    ]
    assert "one/a front" in findings[0].message
    assert lint_paths([two]).findings == []  # one deck alone: nothing to repeat


def test_siblings_of_one_card_are_not_duplicates(lint_cards: LintCards) -> None:
    assert lint_cards(card(type="reversed", front="ROM", back="Range of motion")) == []


# --- suppression ---------------------------------------------------------------------------

YES_NO = {"front": "Does the source give contraindications?", "back": "No"}


def test_suppression_with_a_reason_silences_the_rule(lint_cards: LintCards) -> None:
    quiet = card(**YES_NO, lint_ignore='[{rule = "yes-no-question", reason = "the point"}]')
    assert lint_cards(quiet) == []


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ('[{rule = "yes-no-question", reason = " "}]', "gives no reason"),
        ('[{rule = "yes-no-question"}]', "gives no reason"),
        ('[{rule = "no-such-rule", reason = "why"}]', "no known rule"),
    ],
)
def test_bad_suppressions_are_errors(lint_cards: LintCards, entry: str, says: str) -> None:
    findings = lint_cards(card(**YES_NO, lint_ignore=entry))
    assert ("lint-ignore", "error") in [(f.rule, f.severity) for f in findings]
    assert any(says in f.message for f in findings)
    assert "yes-no-question" in rules(findings)  # an invalid entry suppresses nothing


def test_unused_suppression_is_a_warning(lint_cards: LintCards) -> None:
    findings = lint_cards(
        card(front="What?", back="This", lint_ignore='[{rule = "long-answer", reason = "r"}]')
    )
    assert [(f.rule, f.severity) for f in findings] == [("lint-ignore", "warning")]


def test_malformed_suppression_is_rejected_by_check(write_deck: WriteDeck) -> None:
    path = write_deck(HEADER.format(deck="d") + card(**YES_NO, lint_ignore='"yes-no-question"'))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1 and "'lint_ignore' must be an array of tables" in result.output


# --- the bundled decks and the command ------------------------------------------------------


def test_bundled_decks_lint_clean() -> None:
    report = lint_paths([bundled_decks_dir()])
    assert report.problems == [] and [str(f) for f in report.findings] == []


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_command_prints_one_line_per_finding_and_exits_1_on_errors(
    runner: CliRunner, write_deck: WriteDeck
) -> None:
    path = write_deck(
        HEADER.format(deck="d")
        + card("doi", front="What is the DOI?", back="https://doi.org/10.1053/apmr.2001.25047")
    )
    result = runner.invoke(cli, ["lint", str(path)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"{path}:5: doi: identifier-answer: error: ")


def test_warnings_only_exit_0(runner: CliRunner, write_deck: WriteDeck) -> None:
    path = write_deck(HEADER.format(deck="d") + card(front="Is it?", back="Yes", source=None))
    result = runner.invoke(cli, ["lint", str(path)])
    assert result.exit_code == 0
    assert "yes-no-question: warning" in result.output and "missing-source" in result.output


def test_json_output(runner: CliRunner, write_deck: WriteDeck) -> None:
    path = write_deck(HEADER.format(deck="d") + card(front="Is it?", back="Yes"))
    result = runner.invoke(cli, ["lint", "--json", str(path)])
    data = json.loads(result.output)
    assert result.exit_code == 0
    assert data["summary"] == {"decks": 1, "cards": 1, "errors": 0, "warnings": 1}
    assert data["findings"][0] == {
        "path": str(path),
        "line": 5,
        "card": "c",
        "rule": "yes-no-question",
        "severity": "warning",
        "message": data["findings"][0]["message"],
    }


def test_clean_run(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["lint", str(bundled_decks_dir())])
    assert result.exit_code == 0 and result.output.startswith("0 errors, 0 warnings")


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["lint"]).exit_code == 2
    assert runner.invoke(cli, ["lint", "--nope", "x"]).exit_code == 2


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"[deck\n", ":1: TOML syntax error"),
        (
            b'[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "c"\nfront = "Q"\n',
            ":4: card 'c' is missing 'back'",
        ),
        (b"\xff\xfe not text", ":1: file is not UTF-8 text"),
    ],
)
def test_bad_input_is_one_clear_line(
    runner: CliRunner, tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    result = runner.invoke(cli, ["lint", str(path)])
    assert (result.exit_code == 1 and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert f"{path}{says}" in result.output
    assert "Traceback" not in result.output


def test_missing_and_unreadable_paths(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["lint", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1 and "nope.toml: no such file or folder" in result.output
    locked = tmp_path / "locked.toml"
    locked.write_text("[deck]\n")
    locked.chmod(0)
    try:
        result = runner.invoke(cli, ["lint", str(locked)])
        assert result.exit_code == 1 and "Traceback" not in result.output
    finally:
        locked.chmod(0o644)


def test_lint_is_domain_code() -> None:
    import subprocess
    import sys

    code = "import sys, studyapp.lint; print(any(m.startswith('textual') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_readme_shows_a_lint_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "studyapp lint decks/" in readme and "lint_ignore" in readme
    for rule in RULES:
        assert f"`{rule}`" in readme, rule


def test_readme_example_is_the_real_output(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = ROOT
    readme = (root / "README.md").read_text(encoding="utf-8")
    command = "$ studyapp lint decks/ tests/fixtures/lint/gate-control.toml\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["lint", "decks/", "tests/fixtures/lint/gate-control.toml"])
    assert result.exit_code == 1
    assert result.output == shown


@pytest.mark.parametrize("threshold", [70, 85, 95])
def test_near_duplicate_pairs_are_those_of_all_pairs(threshold):
    """The length window leaves out no pair that token_sort_ratio would keep."""
    from rapidfuzz import fuzz, process

    from studyapp.lint.duplicates import _similar_pairs

    rng = random.Random(threshold)
    vocab = ["ab", "abc", "bcd", "mus", "muscl", "x", "yz", "tend", "tendon", "élé"]
    keys = [" ".join(rng.choices(vocab, k=rng.randint(0, 6))) for _ in range(400)]
    every: dict[int, list[tuple[int, float]]] = {}
    for later, key in enumerate(keys):
        for _c, score, earlier in process.extract(
            key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None
        ):
            if earlier < later:
                every.setdefault(later, []).append((earlier, score))
    assert _similar_pairs(keys, threshold) == [(k, sorted(v)) for k, v in sorted(every.items())]


def test_mirror_images_are_those_of_all_pairs():
    """The answer-stem index leaves out no pair that comparing every two items would find."""
    from studyapp.cards import CardContent
    from studyapp.deckfile.reader import Card, Deck
    from studyapp.lint.mirrors import MIRROR_SHARE, mirror_images
    from studyapp.lint.rules import items
    from studyapp.lint.text import stems

    rng = random.Random(7)
    vocab = ["gate", "pain", "nerve", "spinal", "fibre", "signal", "cortex", "reflex"]
    cards = tuple(
        Card(
            f"c{i}",
            CardContent(
                "basic", " ".join(rng.choices(vocab, k=3)), " ".join(rng.choices(vocab, k=2))
            ),
        )
        for i in range(150)
    )
    deck = Deck("d", "D", "", cards)
    entries = [(c, stems(i.question), stems(i.answer)) for c in cards for i in items(c)]

    def covered(answer: set[str], question: set[str]) -> bool:
        return bool(answer) and len(answer & question) / len(answer) >= MIRROR_SHARE

    every = []
    for later, (card, question, answer) in enumerate(entries):
        for first, first_question, first_answer in entries[:later]:
            pair = (first.id, card.id)
            mirrored = covered(answer, first_question) and covered(first_answer, question)
            if first is not card and pair not in every and mirrored:
                every.append(pair)
    found = [(m.earlier.id, m.card.id) for m in mirror_images([deck])]
    assert found == every and found
