"""Card text (our Markdown subset) rendered as Rich Text for the terminal.

Built from markdown-it tokens straight into `rich.text.Text`, never through
console markup, so `[bold]` or `[link=...]` in a card is shown as typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from studyapp.cardtext import markdown_parser, plain_text, with_image_labels
from studyapp.sanitize import printable

if TYPE_CHECKING:  # the parser loads only for cards that use Markdown
    from markdown_it.token import Token

_INLINE_STYLES = {"em_open": "italic", "strong_open": "bold", "code_inline": "reverse"}


def render_card_text(markdown_text: str, base_style: str = "", width: int | None = None) -> Text:
    """Render Markdown-subset card text: emphasis, lists, line breaks.

    Control characters are made visible first (studyapp.sanitize): whatever the
    database holds, it cannot drive the terminal. With `width` (the cells the text
    gets), a list item longer than a line wraps with a hanging indent, under its
    first word rather than under the bullet.
    """
    # A picture is drawn by CardImage; the text says where it belongs (its alt text).
    markdown_text = with_image_labels(printable(markdown_text))
    text = plain_text(markdown_text)
    if text is not None:
        return Text(text, style=base_style)
    return _render_markdown(markdown_text, base_style, width)


def _hang(item: Text, indent: int, width: int | None) -> Text:
    """`item` word-wrapped to `width - indent` cells, continuation lines indented."""
    room = (width or 0) - indent
    if width is None or room < 10 or item.cell_len <= room:
        return item
    plain = item.plain
    offsets: list[int] = []
    start = 0
    while len(plain) - start > room:
        cut = plain.rfind(" ", start, start + room + 1)
        cut = cut if cut > start else start + room
        offsets.append(cut)
        start = cut + (plain[cut] == " " if cut < len(plain) else 0)
    pieces = item.divide(offsets)
    out = Text()
    for n, piece in enumerate(pieces):
        if n:
            piece = piece[1:] if piece.plain.startswith(" ") else piece
            out.append("\n" + " " * indent)
        out.append_text(piece)
    return out


def _render_markdown(markdown_text: str, base_style: str, width: int | None = None) -> Text:
    out = Text(style=base_style)
    tokens = markdown_parser().parse(markdown_text)
    lists: list[list[int | None]] = []  # per open list: the next number, or None for bullets
    pending_prefix = ""
    for token in tokens:
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([None])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                out.append("\n")
        elif kind == "list_item_open":
            indent = "  " * (len(lists) - 1)
            number = lists[-1][0]
            if number is None:
                pending_prefix = f"{indent}• "
            else:
                pending_prefix = f"{indent}{number}. "
                lists[-1][0] = number + 1
        elif kind == "paragraph_close":
            out.append("\n" if lists and token.hidden else "\n\n")
        elif kind == "inline":
            if pending_prefix:
                out.append(pending_prefix, style="bold")
                item = Text()
                _inline(item, token.children or [])
                lines = item.split("\n", allow_blank=True)
                for n, line in enumerate(lines):
                    if n:
                        out.append("\n" + " " * len(pending_prefix))
                    out.append_text(_hang(line, len(pending_prefix), width))
                pending_prefix = ""
            else:
                _inline(out, token.children or [])
    out.rstrip()
    return out


def _inline(out: Text, children: list[Token]) -> None:
    styles: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("em_open", "strong_open"):
            styles.append(_INLINE_STYLES[kind])
        elif kind in ("em_close", "strong_close"):
            if styles:
                styles.pop()
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "code_inline":
            out.append(child.content, style=" ".join([*styles, "reverse"]))
        else:
            out.append(child.content, style=" ".join(styles) or None)
