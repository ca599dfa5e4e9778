"""Card text (the Markdown subset) as the HTML of Anki note fields.

Card text is text. Besides escaping HTML (cardtext.to_html), Anki's own markup
is neutralised so that it arrives as literal text: `[sound:…]`, `[latex]`,
`[$]`, `[$$]` and `[anki:tts]` all start with "[", MathJax's `\\(` and `\\[`
with a backslash, so both become character references, which Anki shows as
the characters but never interprets. (The templates also mark our fields
`tex2jax_ignore`, so MathJax skips them.)

The exceptions are media: a picture `![alt](media/NAME)`, and the placeholders
`[image: NAME]` and `[sound: NAME]` of a converted deck, become an `<img>` or a
sound when NAME is one of the deck's media files.
"""

from __future__ import annotations

import html
import re
from collections.abc import Container

from studyapp.cardtext import image_refs, to_html
from studyapp.images import media_name

# In the HTML to_html returns: the file name is HTML-escaped there.
MEDIA_PLACEHOLDER_RE = re.compile(r"\[(image|sound): ([^\[\]<>\n]+?)\]")


def neutralise(field_html: str) -> str:
    """HTML with Anki's bracket and MathJax markup turned into plain characters."""
    return field_html.replace("[", "&#91;").replace("\\", "&#92;")


def field_html(markdown_text: str, media: Container[str] = (), used: set[str] | None = None) -> str:
    """One field's HTML; names of media files it shows are added to `used`."""
    markdown_text, pictures = _set_pictures_aside(markdown_text, media)
    rendered = to_html(markdown_text)
    if "[" not in rendered or not media:
        return _with_pictures(neutralise(rendered), pictures, used)
    parts: list[str] = []
    start = 0
    for match in MEDIA_PLACEHOLDER_RE.finditer(rendered):
        name = html.unescape(match.group(2)).strip()
        if name not in media:
            continue
        parts.append(neutralise(rendered[start : match.start()]))
        if match.group(1) == "image":
            parts.append(f'<img src="{html.escape(name)}">')
        else:
            parts.append(f"[sound:{name}]")
        if used is not None:
            used.add(name)
        start = match.end()
    parts.append(neutralise(rendered[start:]))
    return _with_pictures("".join(parts), pictures, used)


# Stands in for a picture while the Markdown is rendered: private-use characters,
# which neither Markdown, escaping nor neutralise() touch.
_MARK = "\ue000{}\ue001"
_MARK_RE = re.compile("\ue000([0-9]+)\ue001")


def _set_pictures_aside(
    markdown_text: str, media: Container[str]
) -> tuple[str, list[tuple[str, str]]]:
    """The text with each `![alt](media/NAME)` of a file in `media` marked; (NAME, alt)s."""
    if "![" not in markdown_text or not media:
        return markdown_text, []
    pictures: list[tuple[str, str]] = []
    parts: list[str] = []
    position = 0
    for ref in image_refs(markdown_text):
        name = media_name(ref.target)
        if name is None or name not in media:
            continue
        parts.append(markdown_text[position : ref.start])
        parts.append(_MARK.format(len(pictures)))
        pictures.append((name, ref.alt))
        position = ref.end
    parts.append(markdown_text[position:])
    return "".join(parts), pictures


def _with_pictures(field: str, pictures: list[tuple[str, str]], used: set[str] | None) -> str:
    if not pictures:
        return field

    def img(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number >= len(pictures):
            return match.group()  # a card's own private-use text, not ours
        name, alt = pictures[number]
        if used is not None:
            used.add(name)
        alt_attribute = f' alt="{html.escape(alt)}"' if alt else ""
        return f'<img src="{html.escape(name)}"{alt_attribute}>'

    return _MARK_RE.sub(img, field)


# The media an Anki field refers to: pictures and sounds.
_IMG_SRC_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SOUND_RE = re.compile(r"\[sound:([^\[\]]+)\]")


def media_names(anki_html: str) -> set[str]:
    """The media file names one of Anki's own fields shows or plays."""
    names = {
        html.unescape(next(g for g in m.groups() if g is not None))
        for m in _IMG_SRC_RE.finditer(anki_html)
    }
    names |= {m.group(1).strip() for m in _SOUND_RE.finditer(anki_html)}
    return names


def placeholder(kind: str, name: str) -> str:
    """The text a converted card shows for an image or sound (see field_html)."""
    return f"[{kind}: {name}]"
