"""Packages built by Anki's own backend for the corpus: stock note types as an English,
German and French Anki names them, a custom note type of three templates, cloze (nested
too), MathJax, media, review history, in the legacy (schema 11) and current (zstd) package
formats and as a .colpkg."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection

from tests.anki.collection_builder import (
    BASIC,
    CLOZE,
    IMAGE_OCCLUSION,
    OPTIONAL_REVERSED,
    REVERSED,
    TYPE_IN,
    add,
    answer,
    export_package,
    open_collection,
    png,
    stock,
    vocabulary_type,
)

MATHS = r"Solve \(x^2 = 4\) and \[\int_0^1 x\,dx\]"


def study(col: Collection, answers: int) -> None:
    """The first `answers` cards answered by Anki's scheduler (Again, then Good, Easy, …),
    and the last card suspended: review history and a suspended card."""
    answer(col, answers, (1, 3, 4))
    col.sched.suspend_cards([max(col.find_cards(""))])
    assert col.db.scalar("SELECT COUNT(*) FROM revlog") == answers


def stock_notes(col: Collection, deck_name: str) -> None:
    """One note of every stock note type, in a nested deck, with nested cloze, MathJax,
    a picture, a sound and an Image Occlusion note on that picture."""
    deck = col.decks.id(deck_name)
    sub = col.decks.id(f"{deck_name}::2")
    chart = col.media.write_data("chart.png", png("teal"))
    sound = col.media.write_data("ping.mp3", b"ID3 a sound")
    add(col, stock(col, BASIC), ["<b>Hund</b>", f'dog <img src="{chart}">'], deck, ["tier"])
    add(col, stock(col, REVERSED), ["Katze", f"cat [sound:{sound}]"], deck)
    add(col, stock(col, OPTIONAL_REVERSED), ["Maus", "mouse", "y"], sub)
    add(col, stock(col, OPTIONAL_REVERSED), ["Pferd", "horse", ""], sub)
    add(col, stock(col, TYPE_IN), ["Vogel", "bird"], deck)
    add(col, stock(col, CLOZE), ["{{c1::Berlin}} liegt an der {{c2::Spree}}", "<i>Extra</i>"], deck)
    add(col, stock(col, CLOZE), ["{{c1::Die {{c2::Hauptstadt}} Frankreichs}} ist Paris", ""], sub)
    add(col, stock(col, BASIC), [MATHS, "[$]e^{i\\pi}[/$] and [latex]\\alpha[/latex]"], sub)
    occlusion = "{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.4:oi=1}}"
    add(col, stock(col, IMAGE_OCCLUSION), [occlusion, f'<img src="{chart}">', "", "", ""], deck)


def custom_notes(col: Collection) -> None:
    deck = col.decks.id("Vocabulary")
    vocab = vocabulary_type(col)
    sound = col.media.write_data("haus.mp3", b"ID3 Haus")
    add(
        col,
        vocab,
        ["Haus", "house", "Das <b>Haus</b> ist alt.", "das", f"[sound:{sound}]", ""],
        deck,
    )
    add(col, vocab, ["Baum", "tree", "", "der", "", "not the <i>Raum</i>"], deck, ["nature"])
    add(col, vocab, ["Gleichung", MATHS, r"\(a^2+b^2=c^2\)", "die", "", ""], deck)
    add(col, stock(col, BASIC), ["Plain basic", "still here"], deck)


def written_yesterday(col: Collection) -> None:
    """Notes and note types a day old: a real tutor's package predates what StudyApp sends
    back, and Anki's import compares modification times (to the second)."""
    col.db.execute("UPDATE notes SET mod = mod - 86400")
    col.db.execute("UPDATE notetypes SET mtime_secs = mtime_secs - 86400")


def export_apkg(col: Collection, out: Path, legacy: bool) -> Path:
    written_yesterday(col)
    export_package(col, out, legacy=legacy, with_deck_configs=True)
    col.close()
    return out


def en_stock(folder: Path) -> Path:
    col = open_collection(folder / "col", "en")
    stock_notes(col, "English::Animals")
    study(col, 6)
    return export_apkg(col, folder / "generated-en-stock.apkg", legacy=False)


def de_stock(folder: Path) -> Path:
    col = open_collection(folder / "col", "de_DE")
    stock_notes(col, "Deutsch::Tiere")
    study(col, 4)
    return export_apkg(col, folder / "generated-de-stock.apkg", legacy=False)


def fr_stock_legacy(folder: Path) -> Path:
    col = open_collection(folder / "col", "fr_FR")
    stock_notes(col, "Français::Animaux")
    study(col, 5)
    return export_apkg(col, folder / "generated-fr-stock-legacy.apkg", legacy=True)


def custom_legacy(folder: Path) -> Path:
    col = open_collection(folder / "col", "en")
    custom_notes(col)
    study(col, 3)
    return export_apkg(col, folder / "generated-custom-legacy.apkg", legacy=True)


def custom_current(folder: Path) -> Path:
    col = open_collection(folder / "col", "en")
    custom_notes(col)
    return export_apkg(col, folder / "generated-custom.apkg", legacy=False)


def mixed_colpkg(folder: Path) -> Path:
    col = open_collection(folder / "col", "en")
    custom_notes(col)
    stock_notes(col, "Mixed")
    study(col, 8)
    out = folder / "generated-mixed.colpkg"
    written_yesterday(col)
    col.export_collection_package(str(out), include_media=True, legacy=False)  # closes it
    return out


GENERATED: dict[str, Callable[[Path], Path]] = {
    "generated-en-stock.apkg": en_stock,
    "generated-de-stock.apkg": de_stock,
    "generated-fr-stock-legacy.apkg": fr_stock_legacy,
    "generated-custom-legacy.apkg": custom_legacy,
    "generated-custom.apkg": custom_current,
    "generated-mixed.colpkg": mixed_colpkg,
}
