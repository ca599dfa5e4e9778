"""Pictures on cards: where a card's image file may be, whether it is a real image, and
decoding it once, downscaled, for the screen.

Image files are untrusted input. A deck may name only files in its own `media/`
folder; each is sniffed by Pillow (never judged by its name), held to a byte,
pixel and frame limit, and decoded in full once at `check` time so that a
truncated file is refused there rather than at review. Pillow is imported lazily:
most commands never touch a picture.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from studyapp.deckfile.reader import Deck, Problem

MEDIA_FOLDER = "media"
# A phone photo is 3-10 MB; anatomy plates scanned at 600 dpi stay under 20 MB.
MAX_BYTES = 20 * 1024 * 1024
# 25 megapixels: a 20-megapixel photo fits; a decompression bomb does not.
MAX_PIXELS = 25_000_000
# An animated GIF is shown by its first frame; thousands of frames are an attack.
MAX_FRAMES = 200
# What the screen ever needs: full screen on a 4K terminal with pixel graphics.
DECODED_SIDE = 1600
# Pillow's names for the formats a card may show (what Anki's web view shows too).
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp", "BMP": ".bmp"}
_EXTENSIONS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF"}
_EXTENSIONS |= {".webp": "WEBP", ".bmp": "BMP"}


class ImageProblem(Exception):
    """An image a card names cannot be shown; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str
    width: int
    height: int
    frames: int


def media_name(target: str) -> str | None:
    """The file name in `media/NAME`, the one form a card may name an image by; else None."""
    parts = PurePosixPath(target).parts
    if len(parts) == 2 and parts[0] == MEDIA_FOLDER and parts[1] not in (".", ".."):
        return parts[1]
    return None


def target_problem(target: str) -> str | None:
    """What is wrong with how an image is named (before looking at any file), or None."""
    if "\\" in target or target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        return f"image '{target}' must be a relative path like media/picture.png"
    if ".." in PurePosixPath(target).parts:
        return f"image '{target}' must not leave the deck's folder ('..')"
    if media_name(target) is None:
        return f"image '{target}' must be a file in the deck's media/ folder: media/NAME"
    return None


def resolve(deck_dir: Path, target: str) -> Path:
    """The file `target` names inside `deck_dir`; ImageProblem if it is not a regular
    file that stays inside the folder (a symbolic link may not lead out of it)."""
    message = target_problem(target)
    if message is not None:
        raise ImageProblem(message)
    path = deck_dir / target
    try:
        real = path.resolve(strict=True)
        inside = real.is_relative_to(deck_dir.resolve(strict=True))
        mode = real.stat().st_mode
    except (OSError, RuntimeError):
        raise ImageProblem(f"image '{target}' not found") from None
    if not inside:
        raise ImageProblem(f"image '{target}' is a link leading out of the deck's folder")
    if not stat.S_ISREG(mode):
        raise ImageProblem(f"image '{target}' is not a regular file")
    return real


def _open(source: Path | IO[bytes], label: str) -> PILImage:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between MAX_IMAGE_PIXELS and twice that.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(source, formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem(f"{label} has too many pixels (over {MAX_PIXELS:,})") from None
    except UnidentifiedImageError:
        names = ", ".join(f.lower() for f in FORMATS)
        raise ImageProblem(f"{label} is not an image Pillow reads as one of: {names}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem(f"{label} cannot be read: {exc}") from None


def _info(image: PILImage, label: str) -> ImageInfo:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageProblem(f"{label} is empty ({width}x{height} pixels)")
    if width * height > MAX_PIXELS:
        raise ImageProblem(f"{label} has too many pixels ({width}x{height}, over {MAX_PIXELS:,})")
    frames = 1
    if getattr(image, "is_animated", False):
        # Counted by seeking, stopping past the limit: n_frames would walk them all.
        try:
            while frames <= MAX_FRAMES:
                image.seek(frames)
                frames += 1
        except EOFError:
            pass
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageProblem(f"{label} is damaged: {exc}") from None
        if frames > MAX_FRAMES:
            raise ImageProblem(f"{label} has more than {MAX_FRAMES} frames")
        image.seek(0)
    assert image.format is not None
    return ImageInfo(image.format, width, height, frames)


def _decode(image: PILImage, label: str, side: int) -> PILImage:
    """The first frame decoded and downscaled to fit `side` x `side` pixels, as RGB(A)."""
    from PIL import Image

    try:
        # JPEG decodes straight at 1/2, 1/4 or 1/8 scale: a 20 MP photo never lands whole.
        image.draft("RGB", (side, side))
        image.load()
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        mode = (
            "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
        )
        return image.convert(mode)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageProblem(f"{label} is damaged: {exc}") from None
    except MemoryError:
        raise ImageProblem(f"{label} is too large to decode") from None


def check_image(source: Path | bytes, label: str, name: str | None = None) -> ImageInfo:
    """Raise ImageProblem unless `source` is a whole, supported image within the limits.

    With `name`, its extension must say the format the content has (Anki and browsers
    would show a misnamed file, but a PNG named .jpg is a mistake or a disguise).
    """
    size = len(source) if isinstance(source, bytes) else _file_size(source, label)
    if size > MAX_BYTES:
        raise ImageProblem(f"{label} is {size:,} bytes, over the {MAX_BYTES // 2**20} MB limit")
    stream: Path | IO[bytes] = BytesIO(source) if isinstance(source, bytes) else source
    with _open(stream, label) as image:
        info = _info(image, label)
        if name is not None:
            expected = _EXTENSIONS.get(os.path.splitext(name)[1].lower())
            if expected != info.format:
                raise ImageProblem(
                    f"{label} is a {info.format} image: name it with {FORMATS[info.format]}"
                )
        _decode(image, label, DECODED_SIDE)
    return info


def _file_size(path: Path, label: str) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise ImageProblem(f"{label} cannot be read: {exc.strerror}") from None


def load_image(path: Path, side: int = DECODED_SIDE) -> PILImage:
    """The picture at `path`, checked and decoded to at most `side` pixels a side.

    Cached by path, size and modification time: the next card's picture, or this one
    shown again full-screen, is not decoded twice. Callers must not change the image.
    """
    try:
        status = path.stat()
    except OSError as exc:
        raise ImageProblem(f"{path.name} cannot be read: {exc.strerror}") from None
    return _load_cached(path, status.st_size, status.st_mtime_ns, side)


def original_size(path: Path) -> tuple[int, int]:
    """The picture's own width and height (occlusion shapes are in these pixels)."""
    with _open(path, path.name) as image:
        width, height = image.size
        return width, height


# A few pictures: this card's, the last one's, one full-screen. Each is at most
# DECODED_SIDE² x 4 bytes (10 MB), so the cache stays under 60 MB.
@lru_cache(maxsize=6)
def _load_cached(path: Path, size: int, mtime_ns: int, side: int) -> PILImage:
    label = path.name
    if size > MAX_BYTES:
        raise ImageProblem(f"{label} is over the {MAX_BYTES // 2**20} MB limit")
    with _open(path, label) as image:
        _info(image, label)
        return _decode(image, label, side)


def deck_image_problems(deck: Deck) -> list[Problem]:
    """One problem for each image of `deck` that is missing, outside its folder, not a
    real image of a supported format, or over the limits (studyapp.images)."""
    if deck.path is None or not deck.images:
        return []
    from studyapp.deckfile.reader import Problem

    folder = deck.path.parent
    verdicts: dict[str, str | None] = {}
    sizes: dict[str, tuple[int, int]] = {}
    problems: list[Problem] = []
    for line, label, target in deck.images:
        if target not in verdicts:
            try:
                info = check_image(resolve(folder, target), f"image '{target}'", media_name(target))
                verdicts[target], sizes[target] = None, (info.width, info.height)
            except ImageProblem as exc:
                verdicts[target] = str(exc)
        if (message := verdicts[target]) is not None:
            problems.append(Problem(deck.path, line, f"{label}: {message}"))
    problems.extend(_occlusion_problems(deck, sizes))
    return problems


def _occlusion_problems(deck: Deck, sizes: dict[str, tuple[int, int]]) -> list[Problem]:
    """Occlusion shapes must lie on their picture (checked once its size is known)."""
    from studyapp.cardtext import image_refs
    from studyapp.deckfile.reader import Problem
    from studyapp.occlusion import bounds_problem, parse

    assert deck.path is not None
    problems: list[Problem] = []
    for card in deck.cards:
        if card.content.type != "occlusion":
            continue
        size = sizes.get(image_refs(card.content.front)[0].target)
        message = bounds_problem(parse(card.content.text), *size) if size else None
        if message is not None:
            problems.append(Problem(deck.path, card.line, f"card '{card.id}': {message}"))
    return problems
