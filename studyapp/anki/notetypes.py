"""StudyApp's Anki note types: fixed ids, fields, templates and CSS.

Anki matches note types by id; changing a note type's fields under the same id
makes Anki fork it (or, with "Merge note types", merge it). If the fields ever
change, that is a new id and a migration note in the README.

Basic and reversed cards share one note type, as Anki's stock "Basic (optional
reversed card)" does: a reversed card is a basic one with "Add Reverse" filled
in, so a tutor switching between the two keeps the same note in Anki. Cloze is
its own kind in Anki and can never share a note type with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import genanki

from studyapp.deckfile.notetypes import NoteType, is_image_occlusion
from studyapp.deckfile.templates import card_ords

if TYPE_CHECKING:
    from studyapp.anki.notes import ExportNote

# Fixed forever: Anki identifies note types by these ids.
MODEL_IDS = {"basic": 1_731_542_016, "cloze": 1_731_542_015}
# Image occlusion goes out only with decks that have such cards.
OCCLUSION_MODEL_ID = 1_731_542_017
NOTE_TYPE_IDS = {**MODEL_IDS, "occlusion": OCCLUSION_MODEL_ID}
MODEL_NAMES = {
    "basic": "StudyApp Basic (optional reversed card)",
    "cloze": "StudyApp Cloze",
    "occlusion": "StudyApp Image Occlusion",
}
# Note types of StudyApp before 0.x; packages no longer use them (see README).
RETIRED_MODEL_IDS = {"StudyApp Basic": 1_731_542_013, "StudyApp Reversed": 1_731_542_014}
BASIC_FIELDS = ("Front", "Back", "Extra", "Source", "Add Reverse")
CLOZE_FIELDS = ("Text", "Extra", "Source")
# What "Add Reverse" holds on a reversed card (any non-empty text makes card 2).
REVERSE_MARK = "y"

CSS = """\
.card {
  font-family: "Inter", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  color: #1d2330;
  background-color: #fbfbf8;
  max-width: 42em;
  margin: 0 auto;
  padding: 1em 1.2em;
}
.sa-question { font-weight: 600; }
.sa-answer { margin-top: .6em; }
.sa-extra {
  margin-top: 1.2em;
  padding: .6em .9em;
  border-left: 4px solid #5b8def;
  background: #eef3fd;
  font-size: .9em;
}
.sa-source {
  margin-top: 1em;
  font-size: .75em;
  color: #6b7280;
  text-transform: uppercase;
  letter-spacing: .04em;
}
.sa-label { font-weight: 700; margin-right: .4em; }
.cloze { font-weight: 700; color: #2554c7; }
hr#answer { border: 0; border-top: 1px solid #d6d9e0; margin: 1em 0; }
ul, ol { margin: .3em 0 .3em 1.2em; padding: 0; }
.nightMode.card, .night_mode .card, .card.nightMode {
  color: #e6e8ee;
  background-color: #1e2128;
}
.nightMode .sa-extra, .night_mode .sa-extra {
  background: #27324a;
  border-left-color: #7aa2f7;
}
.nightMode .sa-source, .night_mode .sa-source { color: #9aa3b2; }
.nightMode .cloze, .night_mode .cloze { color: #8fb0ff; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #3a3f4b; }
"""

# tex2jax_ignore: MathJax (which Anki runs on every card) leaves these parts
# alone, so `\(x\)` typed in a card stays text (see fields.py for the rest).
_TEXT = "tex2jax_ignore"
_BACK_MATTER = (
    f'{{{{#Extra}}}}<div class="sa-extra {_TEXT}">{{{{Extra}}}}</div>{{{{/Extra}}}}'
    f'{{{{#Source}}}}<div class="sa-source {_TEXT}"><span class="sa-label">Source</span>'
    "{{Source}}</div>{{/Source}}"
)


def _template(name: str, question: str, answer: str) -> dict[str, str]:
    return {
        "name": name,
        "qfmt": f'<div class="sa-question {_TEXT}">{question}</div>',
        "afmt": f'{{{{FrontSide}}}}<hr id="answer"><div class="sa-answer {_TEXT}">{answer}</div>'
        + _BACK_MATTER,
    }


# Anki's own Image Occlusion note type, as Anki 23.10+ makes it: its fields are found
# by their tags and the type by originalStockKind, so Anki's editor and reviewer treat
# our notes as its own (templates and CSS as Anki's stock ones).
OCCLUSION_FIELDS = ("Occlusion", "Image", "Header", "Back Extra", "Comments")
_IMAGE_OCCLUSION_KIND = 6
_IO_QUESTION = """{{#Header}}<div>{{Header}}</div>{{/Header}}
<div style="display: none">{{cloze:Occlusion}}</div>
<div id="err"></div>
<div id="image-occlusion-container">
    {{Image}}
    <canvas id="image-occlusion-canvas"></canvas>
</div>
<script>
try {
    anki.imageOcclusion.setup();
} catch (exc) {
    document.getElementById("err").innerHTML = `Error loading image occlusion. Is your Anki version up to date?<br><br>${exc}`;
}
</script>
"""
_IO_ANSWER = (
    _IO_QUESTION
    + """
<div><button id="toggle">Toggle Masks</button></div>
{{#Back Extra}}<div>{{Back Extra}}</div>{{/Back Extra}}
"""
)
_IO_CSS = """\
#image-occlusion-canvas {
    --inactive-shape-color: #ffeba2;
    --active-shape-color: #ff8e8e;
    --inactive-shape-border: 1px #212121;
    --active-shape-border: 1px #212121;
    --highlight-shape-color: #ff8e8e00;
    --highlight-shape-border: 1px #ff8e8e;
}

.card {
    font-family: arial;
    font-size: 20px;
    text-align: center;
    color: black;
    background-color: white;
}
"""


class _OcclusionModel(genanki.Model):  # type: ignore[misc]
    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        model: dict[str, Any] = super().to_json(timestamp, deck_id)
        model["originalStockKind"] = _IMAGE_OCCLUSION_KIND
        return model


def build_models() -> dict[str, Any]:
    """Our note types (genanki.Model), by family: "basic", "cloze" and "occlusion"."""
    reverse_question = "{{#Add Reverse}}{{Back}}{{/Add Reverse}}"
    return {
        "basic": genanki.Model(
            MODEL_IDS["basic"],
            MODEL_NAMES["basic"],
            fields=[{"name": n} for n in BASIC_FIELDS],
            templates=[
                _template("Card 1", "{{Front}}", "{{Back}}"),
                # Empty question when "Add Reverse" is empty: Anki makes no card 2.
                _template("Card 2", reverse_question, "{{Front}}"),
            ],
            css=CSS,
        ),
        "cloze": genanki.Model(
            MODEL_IDS["cloze"],
            MODEL_NAMES["cloze"],
            fields=[{"name": n} for n in CLOZE_FIELDS],
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": f'<div class="sa-question {_TEXT}">{{{{cloze:Text}}}}</div>',
                    "afmt": f'<div class="sa-question {_TEXT}">{{{{cloze:Text}}}}</div>'
                    '<hr id="answer">' + _BACK_MATTER,
                }
            ],
            css=CSS,
            model_type=genanki.Model.CLOZE,
        ),
        "occlusion": _OcclusionModel(
            OCCLUSION_MODEL_ID,
            MODEL_NAMES["occlusion"],
            fields=[
                {"name": name, "tag": tag, "preventDeletion": tag < 4}
                for tag, name in enumerate(OCCLUSION_FIELDS)
            ],
            templates=[{"name": "Image Occlusion", "qfmt": _IO_QUESTION, "afmt": _IO_ANSWER}],
            css=_IO_CSS,
            model_type=genanki.Model.CLOZE,
        ),
    }


def model_id(note_family: str) -> int:
    """The Anki note type id of a family: ours, or a note card's own ("note:<id>")."""
    if note_family.startswith("note:"):
        return int(note_family.removeprefix("note:"))
    return NOTE_TYPE_IDS[note_family]


def own_models(notes: Iterable[ExportNote]) -> dict[str, Any]:
    """The note types of note cards, exactly as they came from Anki (same id, name,
    fields, templates, CSS), so Anki updates the notes in place, by family."""
    models: dict[str, Any] = {}
    for note in notes:
        note_type = note.content.note_type
        if note_type is None or note.family in models:
            continue
        occlusion = is_image_occlusion(note_type)
        # Image Occlusion is known to Anki by its kind and its fields' tags (by position):
        # a collection that lacks the note type gets it as Anki's own.
        model = _OcclusionModel if occlusion else genanki.Model
        models[note.family] = model(
            note_type.anki_id,
            note_type.name,
            fields=[
                {"name": name, "tag": tag, "preventDeletion": tag < 4}
                if occlusion and tag < len(OCCLUSION_FIELDS)
                else {"name": name}
                for tag, name in enumerate(note_type.fields)
            ],
            templates=[
                {"name": t.name, "qfmt": t.front, "afmt": t.back} for t in note_type.templates
            ],
            css=note_type.css,
            model_type=genanki.Model.CLOZE if note_type.cloze else genanki.Model.FRONT_BACK,
        )
        if not note_type.cloze:
            # genanki would compute this with chevron, which raises on templates Anki keeps
            # (a section closed out of order): read it with Anki's own rules instead.
            models[note.family]._req = legacy_req(note_type)
    return models


def legacy_req(note_type: NoteType) -> list[list[Any]]:
    """The note type's legacy `req` (which fields a template's card needs), as genanki
    computes it but with Anki's template rules; a template that makes no card is left out."""
    sentinel = "SeNtInEl"
    names = note_type.fields
    req: list[list[Any]] = []
    for ord_, template in enumerate(note_type.templates):

        def makes_card(values: dict[str, str], qfmt: str = template.front) -> bool:
            return card_ords([qfmt], values, cloze=False) == [0]

        if not makes_card(dict.fromkeys(names, sentinel)):
            continue
        needed = [
            i
            for i, f in enumerate(names)
            if not makes_card({**dict.fromkeys(names, sentinel), f: ""})
        ]
        if needed:
            req.append([ord_, "all", needed])
            continue
        enough = [
            i for i, f in enumerate(names) if makes_card({**dict.fromkeys(names, ""), f: sentinel})
        ]
        if enough:
            req.append([ord_, "any", enough])
    return req
