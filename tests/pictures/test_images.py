"""Pictures on cards: naming, checking and decoding images (studyapp.images), and the
hostile files `check` must refuse with one line each, made here with Pillow."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from studyapp import images
from studyapp.cardtext import image_refs, image_token, with_image_labels
from studyapp.deckfile.reader import DeckFileError, load_deck
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "images"


def deck_with(tmp_path: Path, front: str) -> Path:
    (tmp_path / "media").mkdir(exist_ok=True)
    path = tmp_path / "deck.toml"
    path.write_text(
        f'[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "a"\nfront = "{front}"\nback = "b"\n',
        encoding="utf-8",
    )
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(DeckFileError) as info:
        load_deck(path)
    return [str(p) for p in info.value.problems]


def save(image: Image.Image, path: Path, **options: object) -> Path:
    image.save(path, **options)
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` (the bomb needs no pixel data to be refused)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)


def test_image_refs_read_both_forms_and_labels_replace_them():
    text = "See ![Trapezius](media/t.png) and ![](<media/a b.png>)."
    refs = image_refs(text)
    assert [(r.alt, r.target) for r in refs] == [
        ("Trapezius", "media/t.png"),
        ("", "media/a b.png"),
    ]
    assert with_image_labels(text) == "See [image: Trapezius] and [image: a b.png]."
    assert image_token("x]y", "media/a b.png") == "![x y](<media/a b.png>)"
    assert image_refs(image_token("alt", "media/a(1).png"))[0].target == "media/a(1).png"


def test_fixture_deck_with_a_picture_checks_clean():
    deck = load_deck(FIXTURE / "anatomy.toml")
    assert [target for _, _, target in deck.images] == ["media/trapezius.png"] * 2
    info = images.check_image(FIXTURE / "media" / "trapezius.png", "x", "trapezius.png")
    assert (info.format, info.width, info.height) == ("PNG", 96, 64)


@pytest.mark.parametrize(
    "target, message",
    [
        ("../secret.png", "must not leave the deck's folder"),
        ("/etc/passwd", "must be a relative path"),
        ("media/../../x.png", "must not leave the deck's folder"),
        ("pictures/x.png", "must be a file in the deck's media/ folder"),
        ("media/missing.png", "image 'media/missing.png' not found"),
    ],
)
def test_image_paths_outside_media_are_refused_with_their_line(tmp_path, target, message):
    path = deck_with(tmp_path, f"Q ![x]({target})")
    [line] = problems(path)
    assert line.startswith(f"{path}:7: card 'a': ")
    assert message in line


def test_a_link_leaving_the_deck_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    save(Image.new("RGB", (4, 4)), outside / "real.png")
    deck_dir = tmp_path / "deck"
    deck_dir.mkdir()
    path = deck_with(deck_dir, "Q ![x](media/link.png)")
    os.symlink(outside / "real.png", deck_dir / "media" / "link.png")
    [line] = problems(path)
    assert "is a link leading out of the deck's folder" in line


def hostile(kind: str, media: Path) -> tuple[str, str]:
    """Write a hostile image of `kind` into `media`; (its name, the expected message)."""
    if kind == "bomb":
        (media / "bomb.png").write_bytes(png_header_only(60_000, 60_000))
        return "bomb.png", "too many pixels"
    if kind == "wrong-extension":
        save(Image.new("RGB", (8, 8), "red"), media / "photo.jpg", format="PNG")
        return "photo.jpg", "is a PNG image: name it with .png"
    if kind == "not-an-image":
        (media / "notes.png").write_text("just text, not a picture")
        return "notes.png", "is not an image Pillow reads"
    if kind == "frames":
        # Alternating colours: Pillow merges identical neighbouring frames.
        frames = [Image.new("RGB", (2, 2), (255 * (n % 2), 0, 0)) for n in range(10_000)]
        frames[0].save(media / "many.gif", save_all=True, append_images=frames[1:], duration=20)
        return "many.gif", f"more than {images.MAX_FRAMES} frames"
    if kind == "empty":
        (media / "empty.png").write_bytes(png_header_only(0, 0))
        return "empty.png", "image 'media/empty.png'"
    if kind == "truncated":
        whole = media / "whole.jpg"
        save(Image.effect_noise((400, 300), 60).convert("RGB"), whole, quality=90)
        data = whole.read_bytes()
        whole.unlink()
        (media / "cut.jpg").write_bytes(data[: len(data) // 2])
        return "cut.jpg", "is damaged"
    if kind == "huge-file":
        (media / "huge.png").write_bytes(png_header_only(8, 8) + b"\0" * (images.MAX_BYTES + 1))
        return "huge.png", "over the 20 MB limit"
    raise AssertionError(kind)


HOSTILE = ["bomb", "wrong-extension", "not-an-image", "frames", "empty", "truncated", "huge-file"]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_images_get_one_line_at_check(tmp_path, kind):
    (tmp_path / "media").mkdir()
    name, message = hostile(kind, tmp_path / "media")
    path = deck_with(tmp_path, f"Q ![x](media/{name})")
    found = problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:7: card 'a': image 'media/{name}'")
    assert message in found[0]
    assert "\n" not in found[0]


@pytest.mark.parametrize("kind", [k for k in HOSTILE if k != "wrong-extension"])
def test_hostile_images_never_decode_at_review(tmp_path, kind):
    # (A misnamed but whole picture is refused by `check`, yet shows fine if stored.)
    media = tmp_path / "media"
    media.mkdir()
    name, _ = hostile(kind, media)
    with pytest.raises(images.ImageProblem):
        images.load_image(media / name)


def test_a_20_megapixel_photo_is_decoded_once_downscaled(tmp_path):
    photo = save(Image.new("RGB", (5472, 3648), (120, 80, 60)), tmp_path / "photo.jpg", quality=80)
    images._load_cached.cache_clear()
    picture = images.load_image(photo)
    assert max(picture.size) <= images.DECODED_SIDE
    assert picture.size[0] / picture.size[1] == pytest.approx(5472 / 3648, rel=0.01)
    assert images.load_image(photo) is picture  # cached: the second look decodes nothing
    assert images._load_cached.cache_info().hits == 1


def test_the_same_image_twice_is_checked_once_but_reported_at_each_use(tmp_path):
    path = deck_with(tmp_path, "![a](media/no.png) ![b](media/no.png)")
    assert len(problems(path)) == 2


def test_fixture_copy_with_the_picture_deleted_fails(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "deck")
    (tmp_path / "deck" / "media" / "trapezius.png").unlink()
    found = problems(tmp_path / "deck" / "anatomy.toml")
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found] == ["8", "14"]


def test_one_line_labels_name_pictures_by_their_alt_text():
    from studyapp.cardtext import item_label

    front = "Which *muscle*? ![The snake_case trapezius](media/t.png)"
    assert item_label("basic", 0, front, "b", "") == (
        "Which *muscle*? [image: The snake_case trapezius]"
    )
    cloze = "The {{c1::trapezius}} ![](media/t_1.png)"
    assert item_label("cloze", 0, "", "", cloze) == "[trapezius] The [...] [image: t_1.png]"
