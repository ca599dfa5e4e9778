"""The corpus's packages, each made once a session: the stored ones (a bare collection
wrapped as the legacy .apkg it came from) and the ones Anki's backend builds."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import paths
from tests.anki.corpus.generated import GENERATED

FIXTURES = paths.FIXTURES / "anki_corpus"


def as_package(source: Path, folder: Path) -> Path:
    """A stored package as it is; a bare collection (.anki2, schema 11 or older) zipped
    with an empty media map: a legacy .apkg as Anki 2.0/2.1 wrote them."""
    if source.suffix != ".anki2":
        return source
    out = folder / f"{source.stem}.apkg"
    with zipfile.ZipFile(out, "w") as archive:
        archive.write(source, "collection.anki2")
        archive.writestr("media", "{}")
    return out


@pytest.fixture(scope="session")
def corpus_package(tmp_path_factory) -> Callable[[str], Path]:
    """The package of a corpus name, built (or wrapped) on first use and cached."""
    root = tmp_path_factory.mktemp("anki-corpus")
    made: dict[str, Path] = {}

    def package(name: str) -> Path:
        if name not in made:
            folder = root / name
            folder.mkdir()
            if name in GENERATED:
                made[name] = GENERATED[name](folder)
            else:
                made[name] = as_package(FIXTURES / name, folder)
        return made[name]

    return package
