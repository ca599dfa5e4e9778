"""A study item's picture on the review card: which one it shows (the question's, once
revealed the answer's), an image-occlusion card's masks over it, and the rows it gets."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll

from studyapp import images, occlusion
from studyapp.cardtext import ImageRef, image_refs
from studyapp.store import StudyItem
from studyapp.ui.widgets.card_image import CardImage, Overlay


def item_picture(item: StudyItem, revealed: bool) -> ImageRef | None:
    """The picture the card shows: the question's, once revealed the answer's."""
    faces = [item.faces.question]
    if revealed:
        faces += [item.faces.answer, item.content.extra]
    return next((ref for face in faces for ref in image_refs(face)), None)


def item_overlay(item: StudyItem, revealed: bool, media_dir: Path | None) -> Overlay | None:
    """An occlusion card's masks (or an Image Occlusion note's): the asked one marked,
    lifted once revealed."""
    if item.content.type == "note":
        shapes = _note_occlusions(item, media_dir)
        return None if shapes is None else (shapes, item.ord + 1, revealed)
    if item.content.type != "occlusion":
        return None
    try:
        shapes = occlusion.parse(item.content.text)
    except occlusion.OcclusionError:
        return None  # not from a checked deck file: the picture alone
    return shapes, item.ord + 1, revealed


def _note_occlusions(item: StudyItem, media_dir: Path | None) -> occlusion.Occlusions | None:
    """An Image Occlusion note's shapes over the picture its question shows."""
    # Loaded with the first such note: the Anki package code is not on the way to
    # the first card (tests/ui/test_first_card_imports.py).
    from studyapp.anki.occlusion_notes import note_occlusions

    refs = image_refs(item.faces.question)
    name = images.media_name(refs[0].target) if refs else None
    if name is None or media_dir is None:
        return None
    return note_occlusions(item.content.stored_text, media_dir / name)


class CardPicture(CardImage):
    """The review card's picture, fitted below the card's text."""

    def fit(self, card: VerticalScroll) -> bool:
        """Take the rows `card`'s text leaves (at least 4: it scrolls then). True when the
        height changed: it is laid out on the next refresh, so measure again then."""
        if not self.display:
            return False
        used = sum(
            child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom
            for child in card.children
            if child is not self and child.display and child.styles.display != "none"
        )
        rows = max(4, card.scrollable_content_region.height - used)
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows
            return True
        return False
