"""Occlusion cards and Anki's Image Occlusion notes, both ways.

Anki's fields: Occlusion (the shapes in Anki's cloze syntax, as fractions of the
picture), Image (`<img>`), Header, Back Extra, Comments. A StudyApp occlusion card
has the header and the picture in `front`, the shapes (in pixels) in `text`, Back
Extra in `extra` and Comments in `source`. The fractions need the picture's size,
read from its file (out) or from the package (in).
"""

from __future__ import annotations

import html
import re
from collections.abc import Container
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.anki.fields import field_html
from studyapp.anki.html_to_markdown import html_to_markdown
from studyapp.cardtext import image_refs, image_token
from studyapp.images import ImageProblem, check_image, media_name, original_size
from studyapp.occlusion import (
    OcclusionError,
    Occlusions,
    from_anki,
    parse,
    shapes_text,
    to_anki,
)

if TYPE_CHECKING:
    from studyapp.anki.apkg_reader import SourceNote
    from studyapp.anki.convert import Conversion
    from studyapp.anki.notes import ExportNote

FIELDS = ("occlusion", "image", "header", "back extra", "comments")
_SRC_RE = re.compile(r"""<img[^>]*?\bsrc=["']?([^"'>]+)""", re.IGNORECASE)


def is_occlusion_note(note: SourceNote) -> bool:
    """Anki's Image Occlusion note type (or a copy of it), known by its fields."""
    return tuple(n.lower() for n in note.note_type.fields[:2]) == FIELDS[:2]


def occlusion_card(note: SourceNote, conversion: Conversion) -> tuple[str, str, str, str]:
    """(front, text, extra, source) of the occlusion card for an Anki Image Occlusion
    note; OcclusionError (the reason to skip it) when its picture or shapes are unusable."""
    fields = dict(zip(FIELDS, note.fields, strict=False))
    match = _SRC_RE.search(fields.get("image", ""))
    if match is None:
        raise OcclusionError("no picture in its Image field")
    name = html.unescape(match.group(1)).strip()
    contents = conversion.media.get(name)
    if contents is None:
        raise OcclusionError(f"its picture '{name}' is not in the package")
    try:
        info = check_image(contents.media[name](), f"image '{name}'", name)
    except ImageProblem as exc:
        raise OcclusionError(str(exc)) from None
    shapes = from_anki(fields.get("occlusion", ""), info.width, info.height)
    text = {key: html_to_markdown(fields.get(key, ""))[0] for key in FIELDS[2:]}
    picture = image_token("", f"media/{name}")
    front = f"{text['header']}\n\n{picture}" if text["header"] else picture
    extra = conversion.without_student_note(text["back extra"])  # a package this app exported
    return front, shapes_text(shapes), extra, text["comments"]


def occlusion_fields(
    note: ExportNote, media: Container[str], used: set[str] | None, media_dir: Path | None
) -> list[str]:
    """The five fields. Without the picture among the media the Occlusion field is empty
    (Anki makes no card); a picture or shapes that cannot be read end the export."""
    from studyapp.anki.notes import ExportError

    content = note.content
    refs = image_refs(content.front)
    name = media_name(refs[0].target) if refs else None
    front = content.front
    header_text = front[: refs[0].start] + front[refs[0].end :] if refs else front
    occlusions = image = ""
    if name is not None and name in media and media_dir is not None:
        try:
            size = original_size(media_dir / name)
            occlusions = to_anki(parse(content.text), *size)
        except (ImageProblem, OcclusionError) as exc:
            raise ExportError(f"card '{note.card_key}': {exc}") from None
        image = f'<img src="{html.escape(name)}">'
        if used is not None:
            used.add(name)
    return [
        occlusions,
        image,
        field_html(header_text.strip(), media, used),
        field_html(content.extra, media, used),
        field_html(content.source, media, used),
    ]


def note_occlusions(note_text: str, picture: Path) -> Occlusions | None:
    """The masks of an Image Occlusion note card (its stored JSON) over `picture`, in the
    picture's pixels; None for another note type, or when the picture or shapes are unusable
    (the picture is then shown alone, as for any card)."""
    from studyapp.deckfile.notetypes import from_note_json, occlusion_field

    field = occlusion_field(*from_note_json(note_text))
    if field is None:
        return None
    try:
        return from_anki(field, *original_size(picture))
    except (ImageProblem, OcclusionError, OSError):
        return None
