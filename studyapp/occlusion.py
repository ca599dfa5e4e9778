"""Image occlusion: shapes over a card's picture, one study item per occlusion number.

A deck file writes the shapes in the card's `text`, one a line, in the picture's own
pixels; an optional first line says how the others show while one is asked:

    hide all               (default: every mask shown, the asked one marked; Anki's
                            "hide all, guess one")  or  hide one  ("hide one, guess one")
    1 rect 120 40 80 30    (number, left, top, width, height)
    2 ellipse 300 200 60 60
    3 polygon 10,10 40,10 25,40

Several shapes may share a number (one item asks them together). Anki's Image
Occlusion notes hold the same in its cloze syntax with coordinates as fractions of
the picture (`{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.4:oi=1}}`);
:func:`from_anki` and :func:`to_anki` translate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

KINDS = ("rect", "ellipse", "polygon")
MAX_SHAPES = 500
MAX_POINTS = 100
# Mask colours (RGB): the asked shape stands out from the others.
ASKED = (232, 93, 4)
OTHER = (255, 235, 160)
OUTLINE = (40, 40, 40)

_ANKI_RE = re.compile(r"\{\{c(\d+)::image-occlusion:([a-z]+)((?::[a-z]+=[^:}]*)*)\}\}")


@dataclass(frozen=True, slots=True)
class Shape:
    number: int
    kind: str
    # rect/ellipse: (left, top, width, height); polygon: (x1, y1, x2, y2, ...). In pixels.
    coords: tuple[float, ...]

    def points(self) -> list[tuple[float, float]]:
        if self.kind == "polygon":
            return list(zip(self.coords[::2], self.coords[1::2], strict=True))
        left, top, width, height = self.coords
        return [(left, top), (left + width, top + height)]


@dataclass(frozen=True, slots=True)
class Occlusions:
    shapes: tuple[Shape, ...]
    hide_all: bool = True

    @property
    def numbers(self) -> list[int]:
        return sorted({shape.number for shape in self.shapes})


class OcclusionError(ValueError):
    """The shapes text is not valid; the message says which line and why."""


def parse(text: str) -> Occlusions:
    """The shapes of an occlusion card's text; OcclusionError on the first mistake."""
    shapes: list[Shape] = []
    hide_all = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if [w.lower() for w in words] in (["hide", "all"], ["hide", "one"]):
            if shapes:
                raise OcclusionError(f"shapes line {number}: 'hide …' goes before the shapes")
            hide_all = words[1].lower() == "all"
            continue
        shapes.append(_shape(words, number))
        if len(shapes) > MAX_SHAPES:
            raise OcclusionError(f"more than {MAX_SHAPES} shapes")
    if not shapes:
        raise OcclusionError("no shapes: write one a line, e.g. '1 rect 10 20 30 40'")
    return Occlusions(tuple(shapes), hide_all)


def _shape(words: list[str], line: int) -> Shape:
    where = f"shapes line {line}"
    if len(words) < 2 or not words[0].isdigit() or not 1 <= int(words[0]) <= MAX_SHAPES:
        raise OcclusionError(f"{where}: start with the occlusion number (1-{MAX_SHAPES})")
    number, kind = int(words[0]), words[1].lower()
    if kind not in KINDS:
        raise OcclusionError(f"{where}: unknown shape '{words[1]}' (use {', '.join(KINDS)})")
    if kind == "polygon":
        pairs = words[2:]
        if not 3 <= len(pairs) <= MAX_POINTS:
            raise OcclusionError(f"{where}: a polygon needs 3-{MAX_POINTS} points x,y")
        coords = tuple(_number(v, where) for pair in pairs for v in _pair(pair, where))
    else:
        if len(words) != 6:
            raise OcclusionError(f"{where}: a {kind} is: number {kind} left top width height")
        coords = tuple(_number(v, where) for v in words[2:])
        if coords[2] <= 0 or coords[3] <= 0:
            raise OcclusionError(f"{where}: width and height must be above 0")
    return Shape(number, kind, coords)


def _pair(text: str, where: str) -> list[str]:
    parts = text.split(",")
    if len(parts) != 2:
        raise OcclusionError(f"{where}: a point is x,y, not '{text}'")
    return parts


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OcclusionError(f"{where}: '{text}' is not a number") from None
    if not 0 <= value <= 100_000:
        raise OcclusionError(f"{where}: {text} is outside the picture")
    return value


def card_problems(
    raw: dict[str, object], values: dict[str, object]
) -> list[tuple[str | None, str]]:
    """What is wrong with a deck file's occlusion card, as (key, message) pairs: a
    picture in `front`, its shapes in `text`, the answer's extra in `extra`, no `back`."""
    from studyapp.cardtext import image_refs

    found: list[tuple[str | None, str]] = []
    if "back" in raw:
        found.append(
            ("back", ": occlusion cards use front (the picture), text (the shapes), extra")
        )
    for key in ("front", "text"):
        if key not in raw:
            found.append((None, f" is missing '{key}'"))
    front, text = values.get("front"), values.get("text")
    if isinstance(front, str) and not image_refs(front):
        found.append(("front", ": an occlusion card's front shows its picture: ![alt](media/NAME)"))
    if isinstance(text, str):
        try:
            parse(text)
        except OcclusionError as exc:
            found.append(("text", f": {exc}"))
    return found


def bounds_problem(occlusions: Occlusions, width: int, height: int) -> str | None:
    """What lies outside a `width` x `height` picture, or None."""
    for shape in occlusions.shapes:
        for x, y in shape.points():
            if x > width or y > height:
                return (
                    f"occlusion {shape.number} ({shape.kind}) reaches {x:g},{y:g}, "
                    f"outside the {width}x{height} picture"
                )
    return None


def shapes_text(occlusions: Occlusions) -> str:
    """The deck-file text for `occlusions` (what `parse` reads back)."""
    lines = [] if occlusions.hide_all else ["hide one"]
    for shape in occlusions.shapes:
        if shape.kind == "polygon":
            points = " ".join(f"{x:g},{y:g}" for x, y in shape.points())
            lines.append(f"{shape.number} polygon {points}")
        else:
            lines.append(f"{shape.number} {shape.kind} " + " ".join(f"{v:g}" for v in shape.coords))
    return "\n".join(lines)


def from_anki(field: str, width: int, height: int) -> Occlusions:
    """Anki's Occlusion field (fractions of the picture) in a `width` x `height` picture."""
    shapes: list[Shape] = []
    hide_all = False
    for match in _ANKI_RE.finditer(field):
        number, kind = int(match.group(1)), match.group(2)
        props = dict(p.split("=", 1) for p in match.group(3).split(":") if "=" in p)
        hide_all = hide_all or props.get("oi") == "1"
        try:
            if kind == "polygon":
                coords = tuple(
                    float(v) * (width if n % 2 == 0 else height)
                    for point in props["points"].split()
                    for n, v in enumerate(point.split(","))
                )
            elif kind in ("rect", "ellipse"):
                left, top = float(props["left"]) * width, float(props["top"]) * height
                coords = (
                    left,
                    top,
                    float(props["width"]) * width,
                    float(props["height"]) * height,
                )
            else:
                raise OcclusionError(f"unknown shape '{kind}'")
        except (KeyError, ValueError):
            raise OcclusionError(f"occlusion c{number} ({kind}) is incomplete") from None
        shapes.append(Shape(number, kind, tuple(round(c, 1) for c in coords)))
    if not shapes:
        raise OcclusionError("no occlusions in the note")
    return Occlusions(tuple(shapes), hide_all)


def to_anki(occlusions: Occlusions, width: int, height: int) -> str:
    """Anki's Occlusion field for `occlusions` on a `width` x `height` picture."""
    oi = ":oi=1" if occlusions.hide_all else ""
    parts = []
    for shape in occlusions.shapes:
        if shape.kind == "polygon":
            points = " ".join(f"{x / width:.4g},{y / height:.4g}" for x, y in shape.points())
            props = f"points={points}"
        else:
            left, top, w, h = shape.coords
            props = (
                f"left={left / width:.4g}:top={top / height:.4g}:"
                f"width={w / width:.4g}:height={h / height:.4g}"
            )
        parts.append(f"{{{{c{shape.number}::image-occlusion:{shape.kind}:{props}{oi}}}}}")
    return "".join(parts)


def draw(
    picture: PILImage, occlusions: Occlusions, size: tuple[int, int], asked: int, revealed: bool
) -> PILImage:
    """`picture` (the original `size`, maybe downscaled) with the masks drawn over it:
    the asked occlusion marked until `revealed`; the others shown too when `hide_all`."""
    from PIL import ImageDraw

    out = picture.convert("RGB")
    scale_x, scale_y = out.width / size[0], out.height / size[1]
    pen = ImageDraw.Draw(out)
    for shape in occlusions.shapes:
        mine = shape.number == asked
        if (mine and revealed) or (not mine and not occlusions.hide_all):
            continue
        points = [(x * scale_x, y * scale_y) for x, y in shape.points()]
        fill = ASKED if mine else OTHER
        if shape.kind == "rect":
            pen.rectangle(points, fill=fill, outline=OUTLINE)
        elif shape.kind == "ellipse":
            pen.ellipse(points, fill=fill, outline=OUTLINE)
        else:
            pen.polygon(points, fill=fill, outline=OUTLINE)
    return out
