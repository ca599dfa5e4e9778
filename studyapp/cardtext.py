"""How card text becomes a question and an answer: cloze deletions and the Markdown subset.

Card text is text, never HTML. Tutors may use a small Markdown subset
(emphasis, lists, line breaks); :func:`to_html` turns it into safe HTML for
Anki, escaping everything else. The TUI renders the same Markdown itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from studyapp.sanitize import printable

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from studyapp.deckfile.notetypes import NoteType

# {{c1::answer}} or {{c1::answer::hint}}, as Anki writes them.
CLOZE_OPEN_RE = re.compile(r"\{\{c([0-9]*)::")
# Anki numbers deletions c1, c2, ...; a card with more is surely a mistake (or an attack).
MAX_CLOZE_NUMBER = 500
_BRACES_RE = re.compile(r"[{}]")


@dataclass(frozen=True, slots=True)
class Faces:
    """What one study item shows: the question, then the answer (both Markdown)."""

    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Deletion:
    """One `{{cN::answer::hint}}` in a cloze text: where it is and what it holds."""

    start: int
    end: int
    number: str  # the digits as written ("" when there are none)
    answer: str
    hint: str | None


def deletions(text: str) -> list[Deletion]:
    """Every closed deletion in `text`, in order; one pass, linear in the text.

    Reads `{{cN::` up to the first following `}}`; the hint is after the first
    `::` that no brace follows (what the regex Anki-style parsers use matches).
    """
    found: list[Deletion] = []
    position = 0
    while (opening := CLOZE_OPEN_RE.search(text, position)) is not None:
        content = opening.end()
        close = text.find("}}", content)
        if close < 0:
            break  # no later opening can be closed either
        if not opening.group(1):
            position = content
            continue
        last_brace = _last_brace(text, content, close)
        split = text.find("::", max(content, last_brace + 1), close)
        if split < 0:
            answer, hint = text[content:close], None
        else:
            answer, hint = text[content:split], text[split + 2 : close]
        found.append(Deletion(opening.start(), close + 2, opening.group(1), answer, hint))
        position = close + 2
    return found


# `![alt](media/name.png)`, or `![alt](<media/a name.png>)` for a name with spaces:
# Markdown's own image syntax, the one markup of the subset the terminal draws itself.
IMAGE_RE = re.compile(r"!\[([^\[\]\n]*)\]\((?:<([^<>\n]+)>|([^\s()<>]+))\)")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One `![alt](target)` in card text."""

    start: int
    end: int
    alt: str
    target: str


def image_refs(text: str) -> list[ImageRef]:
    """Every image a card text shows, in order."""
    return [
        ImageRef(m.start(), m.end(), m.group(1).strip(), (m.group(2) or m.group(3)).strip())
        for m in IMAGE_RE.finditer(text)
    ]


def image_token(alt: str, target: str) -> str:
    """The Markdown for an image (the converter writes it for Anki's `<img>`)."""
    alt = re.sub(r"[\[\]\n]+", " ", alt).strip()
    if re.fullmatch(r"[^\s()<>]+", target):
        return f"![{alt}]({target})"
    return f"![{alt}](<{target}>)"


def image_label(ref: ImageRef) -> str:
    """What the text shows in place of a picture (and all it shows with images off)."""
    return f"[image: {ref.alt or PurePosixPath(ref.target).name}]"


def with_image_labels(text: str, markdown: bool = True) -> str:
    """`text` with each image token replaced by its label (escaped for Markdown, unless
    `markdown` is False: for one-line labels shown as they are)."""
    if "![" not in text:
        return text
    parts: list[str] = []
    position = 0
    for ref in image_refs(text):
        parts.append(text[position : ref.start])
        label = image_label(ref)
        parts.append(re.sub(r"([\\`*_])", r"\\\1", label) if markdown else label)
        position = ref.end
    parts.append(text[position:])
    return "".join(parts)


def _last_brace(text: str, start: int, end: int) -> int:
    last = -1
    for match in _BRACES_RE.finditer(text, start, end):
        last = match.start()
    return last


def _number(deletion: Deletion) -> int:
    return int(deletion.number) if deletion.number else 0


def deletion_numbers(text: str) -> list[int]:
    """The distinct cloze numbers in `text`, ascending (c1, c2, ... -> 1, 2, ...)."""
    return sorted({_number(d) for d in deletions(text)})


def cloze_problems(text: str) -> list[str]:
    """What is wrong with a cloze text, as short messages (empty when fine)."""
    problems: list[str] = []
    opened = sum(1 for _ in CLOZE_OPEN_RE.finditer(text))
    closed = deletions(text)
    if opened > len(closed):
        problems.append("unclosed cloze deletion: '{{cN::' without a matching '}}'")
    elif not closed:
        problems.append("cloze card has no deletions: mark one as {{c1::answer}}")
    for deletion in closed:
        number = deletion.number
        # Compare the digits' length first: int() of a huge number is not linear.
        if len(number.lstrip("0")) > len(str(MAX_CLOZE_NUMBER)) or not (
            1 <= _number(deletion) <= MAX_CLOZE_NUMBER
        ):
            problems.append(f"cloze number c{number[:12]} is outside c1..c{MAX_CLOZE_NUMBER}")
        elif not deletion.answer.strip():
            problems.append(f"cloze deletion c{number} is empty")
    return problems


def _rewrite(text: str, replace: Callable[[Deletion], str]) -> str:
    parts: list[str] = []
    position = 0
    for deletion in deletions(text):
        parts.append(text[position : deletion.start])
        parts.append(replace(deletion))
        position = deletion.end
    parts.append(text[position:])
    return "".join(parts)


def without_cloze_markup(text: str) -> str:
    """`text` with every deletion replaced by its answer."""
    return _rewrite(text, lambda deletion: deletion.answer)


def cloze_question(text: str, number: int) -> str:
    """The text with deletion `number` hidden as [...] (or [hint]) and the others shown."""

    def hide(d: Deletion) -> str:
        if _number(d) == number:
            return f"[{d.hint.strip()}]" if d.hint and d.hint.strip() else "[...]"
        return d.answer

    return _rewrite(text, hide)


def cloze_answer(text: str, number: int) -> str:
    """The full text with deletion `number` in bold."""
    return _rewrite(text, lambda d: f"**{d.answer}**" if _number(d) == number else d.answer)


def cloze_deletion(text: str, number: int) -> str:
    """What deletion `number` hides (several parts joined by ' … ')."""
    return " … ".join(d.answer for d in deletions(text) if _number(d) == number)


def item_label(card_type: str, ord_: int, front: str, back: str, text: str) -> str:
    """One line naming a study item: its question, or for cloze which deletion it asks.
    A picture is named by its label (`[image: alt]`)."""
    if card_type == "cloze":
        label = f"[{cloze_deletion(text, ord_ + 1)}] {cloze_question(text, ord_ + 1)}"
    elif card_type == "occlusion":
        label = f"[occlusion {ord_ + 1}] {front}"
    else:
        from studyapp.cards import faces

        label = faces(card_type, ord_, front, back, text).question
    return with_image_labels(label, markdown=False)


# Anki's answer templates start with the question; the review screen shows it already.
_FRONT_SIDE_RULE_RE = re.compile(r"\s*<hr id=[\"']?answer[\"']?\s*/?>", re.IGNORECASE)


def note_faces(note_text: str, ord_: int) -> Faces:
    """Card `ord_` of a note card (its stored JSON): see note_type_faces."""
    from studyapp.deckfile.notetypes import from_note_json

    return note_type_faces(*from_note_json(note_text), ord_)


def note_type_faces(note_type: NoteType, values: tuple[str, ...], ord_: int) -> Faces:
    """Card `ord_` of a note of `note_type`, rendered by its own templates as Anki
    would, then as terminal text (pictures as image tokens, from media/)."""
    from studyapp.anki.fields import placeholder
    from studyapp.anki.html_to_markdown import html_to_markdown
    from studyapp.deckfile.templates import TemplateError, render
    from studyapp.images import target_problem
    from studyapp.maths_text import code_span, with_maths_shown

    if not note_type.templates:
        return Faces("(this note type has no templates)", "")
    template = note_type.templates[
        0 if note_type.cloze else min(ord_, len(note_type.templates) - 1)
    ]
    try:
        question, answer = render(
            template.front,
            template.back,
            dict(zip(note_type.fields, values, strict=False)),
            ord_,
            cloze=note_type.cloze,
            card_name=template.name,
        )
    except TemplateError as exc:
        return Faces(f"(template '{template.name}' cannot be shown: {exc})", "")
    if answer.startswith(question):
        answer = _FRONT_SIDE_RULE_RE.sub("", answer[len(question) :], count=1)

    def image(src: str, alt: str) -> str:
        # The picture, where the package's media went (the review screen checks the
        # file as for any card); a name that could leave that folder stays text.
        target = f"media/{src}"
        return placeholder("image", src) if target_problem(target) else image_token(alt, target)

    def terminal_text(side: str) -> str:
        # Maths is set aside (private-use marks, which no conversion touches) and
        # comes back as code spans: HTML and Markdown escaping must not reach it.
        formulas: list[str] = []

        def mark(shown: str) -> str:
            formulas.append(shown)
            return f"\ue020{len(formulas) - 1}\ue021"

        text = html_to_markdown(with_maths_shown(side, mark), image)[0]
        if not formulas:
            return text
        return re.sub(
            "\ue020([0-9]+)\ue021",
            lambda m: (
                code_span(formulas[int(m.group(1))]) if int(m.group(1)) < len(formulas) else ""
            ),
            text,
        )

    return Faces(terminal_text(question), terminal_text(answer))


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    # Imported lazily: markdown-it is only needed when text is rendered.
    from markdown_it import MarkdownIt

    # "zero" enables nothing; we switch on exactly the subset tutors may use.
    # html=False makes markdown-it escape every tag in the input.
    md = MarkdownIt("zero", {"html": False, "breaks": True})
    md.enable(["emphasis", "list", "newline", "backticks", "escape"])
    return md


# Text that none of the enabled Markdown rules can touch: no emphasis, code or
# escape characters, no line breaks, no list marker at the start.
_MARKDOWN_FREE_RE = re.compile(r"(?![ \t]*(?:[-+*]|\d+[.)])(?:[ \t]|$))[^*_`\\\n\r\x00]*")


def plain_text(markdown_text: str) -> str | None:
    """The text as Markdown would show it, when no Markdown rule applies; else None.

    Most fields are plain sentences: this spares them the Markdown parser (and
    its import). Markdown trims a paragraph's edges; which Unicode spaces count
    differs between markdown-it versions, so text with any other space at an
    edge goes to the parser.
    """
    if not _MARKDOWN_FREE_RE.fullmatch(markdown_text):
        return None
    text = markdown_text.strip(" \t")
    if text and (text[0].isspace() or text[-1].isspace()):
        return None
    return text


def to_html(markdown_text: str) -> str:
    """Safe HTML for the Markdown subset; everything else arrives as escaped text.

    Control characters are made visible first: U+001F (Anki's field separator)
    in text stored by an older version would otherwise shift the note's fields.
    """
    if not markdown_text:
        return ""
    markdown_text = printable(markdown_text)
    text = plain_text(markdown_text)
    if text is not None:
        # Escaping alone gives markdown-it's output for plain text (property-tested).
        return (
            text.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
        )
    return _render_html(markdown_text)


def _render_html(markdown_text: str) -> str:
    html = str(markdown_parser().render(markdown_text)).strip()
    # A single paragraph needs no <p> wrapper inside an Anki field.
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
