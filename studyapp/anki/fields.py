"""Card text (the Markdown subset) as the HTML of Anki note fields.

Card text is text. Besides escaping HTML (cardtext.to_html), Anki's own markup
is neutralised so that it arrives as literal text: `[sound:…]`, `[latex]`,
`[$]`, `[$$]` and `[anki:tts]` all start with "[", MathJax's `\\(` and `\\[`
with a backslash, so both become character references, which Anki shows as
the characters but never interprets. (The templates also mark our fields
`tex2jax_ignore`, so MathJax skips them.)

The one exception is media a converted deck brought along: `[image: NAME]` and
`[sound: NAME]` become an image or a sound when NAME is one of the deck's
media files.
"""

from __future__ import annotations

import html
import re
from collections.abc import Container

from studyapp.cardtext import to_html

# In the HTML to_html returns: the file name is HTML-escaped there.
MEDIA_PLACEHOLDER_RE = re.compile(r"\[(image|sound): ([^\[\]<>\n]+?)\]")


def neutralise(field_html: str) -> str:
    """HTML with Anki's bracket and MathJax markup turned into plain characters."""
    return field_html.replace("[", "&#91;").replace("\\", "&#92;")


def field_html(markdown_text: str, media: Container[str] = (), used: set[str] | None = None) -> str:
    """One field's HTML; names of media files it shows are added to `used`."""
    rendered = to_html(markdown_text)
    if "[" not in rendered or not media:
        return neutralise(rendered)
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
    return "".join(parts)


def placeholder(kind: str, name: str) -> str:
    """The text a converted card shows for an image or sound (see field_html)."""
    return f"[{kind}: {name}]"
