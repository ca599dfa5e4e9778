"""README's example of a grade key's label is what the review screen shows, at 80 and 120."""

from __future__ import annotations

from pathlib import Path

from studyapp.ui.formatting import grade_outcome

README = Path(__file__).parent.parent.parent / "README.md"


def shown_at(columns: int) -> str:
    # As GradeBar.show (ui/widgets/grade_bar.py): six boxes share the width less the
    # margins, a cell between boxes.
    return grade_outcome(6, -14, (columns - 2) // 6 - 1)


def test_readme_shows_the_grade_label_of_each_width():
    readme = README.read_text(encoding="utf-8")
    assert shown_at(120) == "6 d · ease −0.14"
    assert f"e.g. `{shown_at(120)}` (at 80 columns `{shown_at(80)}`)" in readme
