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
_SKIPPED = {"style", "script", "head", "title"}
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


class _Converter(HTMLParser):
    def __init__(self, image: ImageText | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.image = image
        self.out: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self.skipping = 0
        self.media: list[str] = []

    def newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.newline()
        elif tag in ("ul", "ol"):
            self.newline()
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            self.newline()
            if self.lists and self.lists[-1][0]:
                self.out.append(f"{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self.out.append("- ")
        elif tag == "img":
            named = dict(attrs)
            src = named.get("src") or ""
            if src:
                self.media.append(src)
                alt = named.get("alt") or ""
                self.out.append(self.image(src, alt) if self.image else placeholder("image", src))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag in _BLOCKS or tag == "li":
            self.newline()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.newline()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.out.append(_with_sound_placeholders(_SPACES.sub(" ", data)))


def html_to_markdown(field_html: str, image: ImageText | None = None) -> tuple[str, list[str]]:
    """(card text, media file names it shows) for one Anki field; `image` writes each
    picture (by default the `[image: NAME]` placeholder)."""
    converter = _Converter(image)
    converter.feed(_complete_tags_only(field_html))
    converter.close()
    text = "".join(converter.out)
    # Empty bold (Anki's editor leaves <b></b> behind) would show as asterisks.
    text = text.replace("****", "").replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    media = converter.media + [m.group(1).strip() for m in SOUND_RE.finditer(field_html)]
    return text, media


def plain_to_markdown(text: str) -> tuple[str, list[str]]:
    """(card text, sounds) for a field given as plain text (Anki's `#html:false`)."""
    converted = _with_sound_placeholders(text.replace("\r\n", "\n")).strip()
    return converted, [m.group(1).strip() for m in SOUND_RE.finditer(text)]
