"""Anki field HTML as StudyApp card text (the Markdown subset of cardtext.py).

Bold and italics become ``**`` and ``*``, line breaks and block elements become
line breaks, lists become ``- `` / ``1. `` lines; entities are decoded and no
tag is left. Sounds, and images the caller does not turn into `![alt](media/NAME)`,
become visible placeholders (fields.placeholder) that the export turns back into media. Characters that Markdown would read as
markup are escaped, so the text shows as it did in Anki.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

from studyapp.anki.fields import placeholder

# No "[" inside the name: each attempt stops at the next "[", so a field of many
# unclosed "[sound:" is linear, not quadratic (131,072 characters took 47 s).
SOUND_RE = re.compile(r"\[sound:([^\[\]]+)\]")
# A whole tag: no "<" or ">" inside but in quotes that close before the next "<".
# Any other "<" is text, given to html.parser as "&lt;": it rescans an unfinished
# tag to the end of the input at every "<", quadratic (131,072 "<a " took 545 s).
_TAG = re.compile(r"""<[A-Za-z/!?](?:[^<>"']|"[^"<>]*"|'[^'<>]*')*>""")


def _complete_tags_only(field_html: str) -> str:
    parts, start = [], 0
    for match in _TAG.finditer(field_html):
        parts.append(field_html[start : match.start()].replace("<", "&lt;"))
        parts.append(match.group())
        start = match.end()
    parts.append(field_html[start:].replace("<", "&lt;"))
    return "".join(parts)


_BLOCKS = {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr"}
# A button is a control for Anki's reviewer (Image Occlusion's "Toggle Masks"), not text.
_SKIPPED = {"style", "script", "head", "title", "button"}
# What Markdown would read as markup in running text.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_])")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def escape_markdown(text: str) -> str:
    """Text with the characters the Markdown subset would interpret escaped."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _with_sound_placeholders(text: str) -> str:
    parts = []
    start = 0
    for match in SOUND_RE.finditer(text):
        parts.append(escape_markdown(text[start : match.start()]))
        parts.append(placeholder("sound", match.group(1).strip()))
        start = match.end()
    parts.append(escape_markdown(text[start:]))
    return "".join(parts)


# (src, alt) -> the card text for an <img>: a picture the deck can show, or the placeholder.
ImageText = Callable[[str, str], str]


# Elements that have no end tag: they never open a level of hidden content.
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "area", "col", "embed"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*"}
# Stand in for deliberate indentation (nested lists, <pre>) while lines are trimmed.
_INDENT = "\ue010"
_PRE_SPACE = "\ue011"


class _Converter(HTMLParser):
    def __init__(self, image: ImageText | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.image = image
        self.out: list[str] = []
        # Per open list: [is_ordered, next number, its indent, its items' content indent].
        self.lists: list[list[int]] = []
        self.skipping = 0
        self.hidden = 0  # open elements inside one hidden by its style
        self.pre = 0
        self.cells = 0  # cells so far in the current table row
        # Open emphasis: (tag, where its marker is in `out`).
        self.emphasis: list[tuple[str, int]] = []
        self.media: list[str] = []

    def newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden:
            self.hidden += tag not in _VOID
            return
        named = dict(attrs)
        if "hidden" in named or _HIDDEN_STYLE.search(named.get("style") or ""):
            self.hidden = int(tag not in _VOID)
            return
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _EMPHASIS:
            self.emphasis.append((tag, len(self.out)))
            self.out.append(_EMPHASIS[tag])
        elif tag == "br":
            self.out.append("\n")
        elif tag == "pre":
            self.newline()
            self.pre += 1
        elif tag in _BLOCKS:
            self.newline()
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.out.append(" | ")
            self.cells += 1
        elif tag in ("ul", "ol"):
            self.newline()
            indent = self.lists[-1][3] if self.lists else 0
            first = named.get("start") or "1"
            number = int(first) if first.isdigit() and len(first) < 9 else 1
            self.lists.append([tag == "ol", number, indent, indent])
        elif tag == "li":
            self.newline()
            current = self.lists[-1] if self.lists else [False, 1, 0, 0]
            marker = f"{current[1]}. " if current[0] else "- "
            if current[0]:
                current[1] += 1
            self.out.append(_INDENT * current[2] + marker)
            # A list nested in this item is indented to the item's content.
            current[3] = current[2] + len(marker)
        elif tag == "img":
            src = named.get("src") or ""
            if src:
                self.media.append(src)
                alt = named.get("alt") or ""
                self.out.append(self.image(src, alt) if self.image else placeholder("image", src))

    def handle_endtag(self, tag: str) -> None:
        if self.hidden:
            self.hidden -= tag not in _VOID
            return
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _EMPHASIS:
            self._close_emphasis(tag)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.newline()
        elif tag in _BLOCKS or tag == "li":
            self.newline()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.newline()

    def _close_emphasis(self, tag: str) -> None:
        """`**text**` with the edge blanks outside the markers (`<b>nicht </b>`), none
        when empty; a closing tag that closes nothing is dropped."""
        marker = _EMPHASIS[tag]
        for depth in range(len(self.emphasis) - 1, -1, -1):
            if _EMPHASIS[self.emphasis[depth][0]] == marker:
                break
        else:
            return
        _tag, position = self.emphasis.pop(depth)
        del self.emphasis[depth:]
        content = "".join(self.out[position + 1 :])
        del self.out[position:]
        inner = content.strip()
        if not inner:
            self.out.append(content)
            return
        lead = content[: len(content) - len(content.lstrip())]
        trail = content[len(content.rstrip()) :]
        self.out += [lead, marker, inner, marker, trail]

    def handle_data(self, data: str) -> None:
        if self.skipping or self.hidden:
            return
        if self.pre:
            lines = _with_sound_placeholders(data.replace("\r\n", "\n")).split("\n")
            kept = [_PRE_SPACE * (len(ln) - len(ln.lstrip(" "))) + ln.lstrip(" ") for ln in lines]
            self.out.append("\n".join(kept))
            return
        self.out.append(_with_sound_placeholders(_SPACES.sub(" ", data)))

    def text(self) -> str:
        # Emphasis never closed: its marker would show as asterisks.
        for _tag, position in reversed(self.emphasis):
            del self.out[position]
        self.emphasis.clear()
        return "".join(self.out)


def html_to_markdown(field_html: str, image: ImageText | None = None) -> tuple[str, list[str]]:
    """(card text, media file names it shows) for one Anki field; `image` writes each
    picture (by default the `[image: NAME]` placeholder)."""
    converter = _Converter(image)
    converter.feed(_complete_tags_only(field_html))
    converter.close()
    text = converter.text()
    # Empty bold (Anki's editor leaves <b></b> behind) would show as asterisks.
    text = text.replace("****", "").replace("\xa0", " ")
    lines = [line.strip().replace(_INDENT, " ") for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    # A <pre>'s indentation: no-break spaces, which Markdown does not trim.
    text = text.replace(_PRE_SPACE, "\xa0")
    media = converter.media + [m.group(1).strip() for m in SOUND_RE.finditer(field_html)]
    return text, media


def plain_to_markdown(text: str) -> tuple[str, list[str]]:
    """(card text, sounds) for a field given as plain text (Anki's `#html:false`)."""
    converted = _with_sound_placeholders(text.replace("\r\n", "\n")).strip()
    return converted, [m.group(1).strip() for m in SOUND_RE.finditer(text)]
