"""Anki's card template language, as rslib/src/template.rs defines it.

A note type's templates (qfmt/afmt) are parsed into nodes: text, comments,
`{{Field}}` replacements with filters (`{{cloze:Text}}`, `{{hint:Back}}`,
`{{type:Word}}`, `{{text:Front}}`), `{{#Field}}…{{/Field}}` and
`{{^Field}}…{{/Field}}` sections. :func:`card_ords` says which cards Anki
generates for a note (cardgen.rs), :func:`render` gives one card's question and
answer as HTML. What a terminal cannot do is rendered as text: a typed answer is
a prompt on the question and the expected answer on reveal, a hint is shown
labelled, an active cloze is `[...]` (or its hint) and its answer in bold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "TemplateError",
    "card_ords",
    "cloze_numbers",
    "field_is_empty",
    "parse",
    "render",
    "template_problems",
]

# Fields Anki fills in itself (cardgen.rs SPECIAL_FIELDS); a note type may shadow them.
SPECIAL_FIELDS = ("FrontSide", "Card", "CardFlag", "Deck", "Subdeck", "Tags", "Type", "CardID")
# Anki renders at most this many cloze numbers (card ords 0..499).
MAX_CLOZE = 500
# Sections nested deeper are refused: rendering walks them recursively (a hostile
# package could nest thousands); real templates nest a few.
MAX_SECTION_DEPTH = 50
_ALT_SYNTAX = "{{=<% %>=}}"
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_EMPTY_FIELD_RE = re.compile(r"(?:\s|</?(?:br|div) ?/?>)*", re.IGNORECASE)
_CLOZE_TOKEN_RE = re.compile(r"\{\{c([0-9,]+)::|\}\}")
_FURIGANA_RE = re.compile(r" ?([^ >]+?)\[(.+?)\]")
_TAG_RE = re.compile(r"<[^>]*>")
# `{{#c1}}…{{/c1}}`: a section on a cloze number, never an unknown field (template.rs).
_CLOZE_CONDITIONAL_RE = re.compile(r"c[0-9]+")


class TemplateError(Exception):
    """A template Anki would refuse to render; the message says what is wrong."""


class TemplateTooDeep(TemplateError):
    """Sections nested past our limit: refused outright, not read as Anki would."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Replacement:
    key: str
    filters: tuple[str, ...]  # innermost first, as Anki applies them


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    negated: bool
    children: tuple[Node, ...]


Node = Text | Replacement | Section


def _tokens(template: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: kind is "text", "comment" or "handle" (inside the braces)."""
    start_tag, end_tag = "{{", "}}"
    if template.lstrip().startswith(_ALT_SYNTAX):
        template = template.lstrip()[len(_ALT_SYNTAX) :]
        start_tag, end_tag = "<%", "%>"
    found: list[tuple[str, str]] = []
    position = 0
    text_start = 0
    while position < len(template):
        handle = template.find(start_tag, position)
        comment = template.find("<!--", position)
        candidates = [i for i in (handle, comment) if i >= 0]
        if not candidates:
            break
        at = min(candidates)
        if at == comment and (handle < 0 or comment < handle):
            close = template.find("-->", at + 4)
            if close < 0:
                position = at + 1
                continue
            kind, inner, after = "comment", template[at + 4 : close], close + 3
        else:
            close = template.find(end_tag, at + 2)
            if close < 0:
                position = at + 1
                continue
            kind, inner, after = "handle", template[at + 2 : close], close + 2
        if at > text_start:
            found.append(("text", template[text_start:at]))
        found.append((kind, inner))
        position = text_start = after
    if text_start < len(template):
        found.append(("text", template[text_start:]))
    return found


def parse(template: str) -> tuple[Node, ...]:
    """The template's nodes; TemplateError for a section that is not closed or not open."""
    stack: list[tuple[str, bool, list[Node]]] = [("", False, [])]
    for kind, text in _tokens(template):
        nodes = stack[-1][2]
        if kind == "text":
            nodes.append(Text(text))
        elif kind == "comment":
            nodes.append(Text(f"<!--{text}-->"))
        else:
            handle = text.lstrip("{").strip()
            if len(handle) >= 2 and handle[0] in "#^":
                if len(stack) > MAX_SECTION_DEPTH:
                    raise TemplateTooDeep(f"sections nested more than {MAX_SECTION_DEPTH} deep")
                stack.append((handle[1:].lstrip(), handle[0] == "^", []))
            elif len(handle) >= 2 and handle[0] == "/":
                closed = handle[1:].lstrip()
                key, negated, children = stack[-1]
                if len(stack) == 1:
                    raise TemplateError(f"'{{{{/{closed}}}}}' closes a section that is not open")
                if key != closed:
                    raise TemplateError(f"'{{{{/{closed}}}}}' found where '{{{{/{key}}}}}' was due")
                stack.pop()
                stack[-1][2].append(Section(key, negated, tuple(children)))
            else:
                *filters, key = handle.split(":")
                nodes.append(Replacement(key, tuple(reversed(filters))))
    if len(stack) > 1:
        raise TemplateError(f"'{{{{#{stack[-1][0]}}}}}' is never closed")
    return tuple(stack[0][2])


def field_is_empty(value: str) -> bool:
    """Anki's test: only blanks, `<br>` and `<div>` tags."""
    return _EMPTY_FIELD_RE.fullmatch(value) is not None


def _renders(nodes: Sequence[Node], nonempty: set[str]) -> bool:
    """template.rs `renders_with_fields`: some replacement of a filled field is reached."""
    for node in nodes:
        if isinstance(node, Replacement):
            if node.key in nonempty:
                return True
        elif isinstance(node, Section):
            if (node.key in nonempty) == node.negated:
                continue
            if _renders(node.children, nonempty):
                return True
    return False


def _nonempty(fields: Mapping[str, str], tags: Sequence[str]) -> set[str]:
    nonempty = {name for name, value in fields.items() if not field_is_empty(value)}
    for special in SPECIAL_FIELDS:
        if special not in fields and special != "FrontSide" and (special != "Tags" or tags):
            nonempty.add(special)
    return nonempty


def cloze_numbers(value: str) -> set[int]:
    """The cloze numbers a field's text holds (nested deletions included), as cloze.rs."""
    numbers: set[int] = set()
    for node in _cloze_nodes(value):
        _collect_numbers(node, numbers)
    return numbers


def card_ords(
    templates: Sequence[str],
    fields: Mapping[str, str],
    *,
    cloze: bool,
    tags: Sequence[str] = (),
) -> list[int]:
    """The card ordinals Anki generates for a note: one per template whose front is not
    empty, or one per cloze number of a cloze note type (at most c500)."""
    if cloze:
        numbers: set[int] = set()
        for value in fields.values():
            numbers |= cloze_numbers(value)
        return sorted({min(max(n - 1, 0), MAX_CLOZE - 1) for n in numbers})
    nonempty = _nonempty(fields, tags)
    return [ord_ for ord_, qfmt in enumerate(templates) if _front_makes_card(qfmt, nonempty)]


def _front_makes_card(qfmt: str, nonempty: set[str]) -> bool:
    # A template Anki cannot parse makes no card; the note's other templates still do
    # (rslib's cardgen.rs keeps the parse error per template). Nesting past our limit is
    # not a template Anki reads differently but input we refuse: that still raises.
    try:
        nodes = parse(qfmt)
    except TemplateTooDeep:
        raise
    except TemplateError:
        return False
    return _renders(nodes, nonempty)


def template_problems(template: str, field_names: Sequence[str]) -> list[str]:
    """What Anki would refuse in a template: unbalanced sections, unknown fields."""
    try:
        nodes = parse(template)
    except TemplateError as exc:
        return [str(exc)]
    known = set(field_names) | set(SPECIAL_FIELDS)
    problems: list[str] = []
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, Section):
            if node.key not in known and not _CLOZE_CONDITIONAL_RE.fullmatch(node.key):
                problems.append(f"no field named '{node.key}' (in {{{{#{node.key}}}}})")
            pending.extend(node.children)
        elif isinstance(node, Replacement) and node.key and node.key not in known:
            problems.append(f"no field named '{node.key}'")
    return sorted(set(problems))


@dataclass(frozen=True, slots=True)
class _Context:
    fields: Mapping[str, str]
    nonempty: set[str]
    ord: int
    question: bool
    frontside: str


def render(
    qfmt: str,
    afmt: str,
    fields: Mapping[str, str],
    ord_: int,
    *,
    cloze: bool,
    tags: Sequence[str] = (),
    deck: str = "",
    card_name: str = "",
) -> tuple[str, str]:
    """Card `ord_`'s question and answer, as HTML (TemplateError as Anki would refuse)."""
    values = {
        "Tags": " ".join(tags),
        "Deck": deck,
        "Subdeck": deck.rsplit("::", 1)[-1],
        "Card": card_name,
        "CardFlag": "",
        "Type": "",
        "CardID": "",
        **fields,
    }
    nonempty = _nonempty(fields, tags)
    question = _render_nodes(parse(qfmt), _Context(values, nonempty, ord_, True, ""))
    answer = _render_nodes(parse(afmt), _Context(values, nonempty, ord_, False, question))
    return question, answer


def _render_nodes(nodes: Sequence[Node], context: _Context) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(node.text)
        elif isinstance(node, Section):
            known = node.key in context.fields or _CLOZE_CONDITIONAL_RE.fullmatch(node.key)
            if not known:
                prefix = "^" if node.negated else "#"
                raise TemplateError(f"no field named '{node.key}' (in {{{{{prefix}{node.key}}}}})")
            if (node.key in context.nonempty) != node.negated:
                parts.append(_render_nodes(node.children, context))
        elif node.key == "FrontSide":
            parts.append(context.frontside)
        elif node.key or not node.filters:
            if node.key not in context.fields:
                raise TemplateError(f"no field named '{node.key}'")
            parts.append(_filtered(context.fields[node.key], node, context))
    return "".join(parts)


def _filtered(value: str, node: Replacement, context: _Context) -> str:
    filters = node.filters
    if filters and filters[-1] == "type":
        # template_filters.rs: any chain ending in "type" is the typed-answer box.
        return _typed_answer(value, node.key, "cloze" in filters, context)
    for name in filters:
        if name == "text":
            value = html.unescape(_TAG_RE.sub("", _COMMENT_RE.sub("", value)))
            value = html.escape(value, quote=False)
        elif name == "hint":
            if value.strip():
                value = f"<div><i>{html.escape(node.key)}:</i> {value}</div>"
        elif name in ("cloze", "cloze-only"):
            value = _cloze(value, context.ord + 1, context.question, only=name == "cloze-only")
        elif name in ("furigana", "kanji", "kana"):
            value = _FURIGANA_RE.sub(_furigana(name), value.replace("&nbsp;", " "))
        # tts and filters of add-ons: the text as it is (Anki's reviewer plays or drops them).
    return value


def _typed_answer(value: str, key: str, is_cloze: bool, context: _Context) -> str:
    if context.question:
        return f"<div>[type the answer: {html.escape(key)}]</div>"
    if is_cloze:
        answers = _active_answers(value, context.ord + 1)
        return f"<div>{', '.join(answers)}</div>"
    return f"<div>{value}</div>"


def _furigana(name: str) -> _FuriganaReplacer:
    return _FuriganaReplacer(name)


@dataclass(frozen=True, slots=True)
class _FuriganaReplacer:
    name: str

    def __call__(self, match: re.Match[str]) -> str:
        base, reading = match.group(1), match.group(2)
        if reading.startswith("sound:"):
            return match.group(0)
        if self.name == "kanji":
            return base
        if self.name == "kana":
            return reading
        return f"{base}({reading})"


# Cloze text, as cloze.rs parses it: deletions nest (ten deep at most), "::" starts a hint.
@dataclass(slots=True)
class _Cloze:
    numbers: tuple[int, ...]
    nodes: list[str | _Cloze]
    hint: str | None = None


def _cloze_nodes(text: str) -> list[str | _Cloze]:
    output: list[str | _Cloze] = []
    open_clozes: list[_Cloze] = []
    position = 0
    for match in _CLOZE_TOKEN_RE.finditer(text):
        if match.start() > position:
            _cloze_text(text[position : match.start()], open_clozes, output)
        position = match.end()
        if match.group(1) is not None:
            numbers = _cloze_ordinals(match.group(1))
            if not numbers:
                _cloze_text(match.group(), open_clozes, output)
            elif len(open_clozes) < 10:
                open_clozes.append(_Cloze(numbers, []))
        elif open_clozes:
            cloze = open_clozes.pop()
            (open_clozes[-1].nodes if open_clozes else output).append(cloze)
        else:
            output.append("}}")
    if position < len(text):
        _cloze_text(text[position:], open_clozes, output)
    # Deletions never closed are text, as Anki shows them.
    return output


def _cloze_ordinals(digits: str) -> tuple[int, ...]:
    """cloze.rs reads each comma-separated number as a u16; others are left out."""
    parsed = {int(n) for n in digits.split(",") if n and len(n) <= 5}
    return tuple(sorted(n for n in parsed if n <= 65535))


def _cloze_text(text: str, open_clozes: list[_Cloze], output: list[str | _Cloze]) -> None:
    if not open_clozes:
        output.append(text)
        return
    cloze = open_clozes[-1]
    if not text.startswith("image-occlusion:") and "::" in text:
        text, cloze.hint = text.split("::", 1)
    cloze.nodes.append(text)


def _collect_numbers(node: str | _Cloze, numbers: set[int]) -> None:
    if isinstance(node, _Cloze):
        numbers.update(node.numbers)
        for child in node.nodes:
            _collect_numbers(child, numbers)


def _plain(cloze: _Cloze) -> str:
    return "".join(n if isinstance(n, str) else _plain(n) for n in cloze.nodes)


def _reveal(cloze: _Cloze, number: int, question: bool, found: list[bool]) -> str:
    active = number in cloze.numbers
    if active:
        found.append(True)
    if active and question:
        for child in cloze.nodes:  # nested active deletions still count as found
            if isinstance(child, _Cloze):
                _reveal(child, number, question, found)
        return f"[{cloze.hint or '...'}]"
    inner = "".join(
        n if isinstance(n, str) else _reveal(n, number, question, found) for n in cloze.nodes
    )
    return f"<b>{inner}</b>" if active else inner


def _cloze(text: str, number: int, question: bool, *, only: bool) -> str:
    found: list[bool] = []
    nodes = _cloze_nodes(text)
    if only:
        shown = ", ".join(_active_answers(text, number)) if not question else "[...]"
        return shown if any(number in c.numbers for c in _walk(nodes)) else ""
    out = "".join(n if isinstance(n, str) else _reveal(n, number, question, found) for n in nodes)
    # cloze.rs: a field without the card's deletion renders empty.
    return out if found else ""


def _walk(nodes: Sequence[str | _Cloze]) -> list[_Cloze]:
    found: list[_Cloze] = []
    for node in nodes:
        if isinstance(node, _Cloze):
            found.append(node)
            found.extend(_walk(node.nodes))
    return found


def _active_answers(text: str, number: int) -> list[str]:
    return [_plain(c) for c in _walk(_cloze_nodes(text)) if number in c.numbers]
