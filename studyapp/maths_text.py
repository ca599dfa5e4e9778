"""MathJax and LaTeX in Anki's HTML, shown as terminal text.

Anki's maths markup — `\\(…\\)`, `\\[…\\]`, `[$]…[/$]`, `[$$]…[/$$]`,
`[latex]…[/latex]` — is found in one pass and each piece is shown as a code
span: simple formulas in Unicode (`\\(x^2\\)` → `x²`, `\\alpha` → `α`), anything
else as its source, so it reads as maths and never as Markdown. The stored
text is never changed: this is only what the terminal shows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

# (opening, closing) pairs, as Anki's MathJax and LaTeX support reads them.
DELIMITERS = (
    ("\\(", "\\)"),
    ("\\[", "\\]"),
    ("[$$]", "[/$$]"),
    ("[$]", "[/$]"),
    ("[latex]", "[/latex]"),
)
_OPENING_RE = re.compile(r"\\\(|\\\[|\[\$\$\]|\[\$\]|\[latex\]", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]*>")

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "int": "∫", "sum": "∑", "prod": "∏", "infty": "∞", "cdot": "·",
    "times": "×", "div": "÷", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "equiv": "≡", "sim": "∼",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftrightarrow": "⇔",
    "partial": "∂", "nabla": "∇", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆",
    "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "emptyset": "∅", "circ": "∘",
    "degree": "°", "ldots": "…", "cdots": "⋯", "sqrt": "√", "neg": "¬", "land": "∧",
    "lor": "∨", "propto": "∝", "angle": "∠", "perp": "⊥", "parallel": "∥",
}  # fmt: skip
_SPACING = {",": " ", ";": " ", ":": " ", "!": "", "quad": " ", "qquad": "  ", " ": " "}
_DROPPED = ("left", "right", "displaystyle", "mathrm", "text", "mathbf", "mathit", "operatorname")
_SUPERSCRIPTS = str.maketrans("0123456789+-=()niax", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃˣ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()aeioxnmk", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢₒₓₙₘₖ")
_COMMAND_RE = re.compile(r"\\([A-Za-z]+|[,;:! ])")
_SCRIPT_RE = re.compile(r"([\^_])(\{([^{}]*)\}|([^\s{}\\]))")
_FRAC_RE = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SQRT_RE = re.compile(r"\\sqrt\{([^{}]*)\}")
_GROUP_RE = re.compile(r"\{([^{}]*)\}")


def maths_pieces(text: str) -> list[tuple[int, int, str]]:
    """(start, end, formula source) of each closed maths piece in `text`, in order.

    Linear: an opening whose closing is missing is never looked for again.
    """
    found: list[tuple[int, int, str]] = []
    unclosed: set[str] = set()
    position = 0
    while (opening := _OPENING_RE.search(text, position)) is not None:
        opener = opening.group().lower()
        closer = next(c for o, c in DELIMITERS if o == opener)
        close = -1 if opener in unclosed else text.lower().find(closer, opening.end())
        if close < 0:
            unclosed.add(opener)
            position = opening.end()
            continue
        found.append((opening.start(), close + len(closer), text[opening.end() : close]))
        position = close + len(closer)
    return found


def unicode_formula(source: str) -> str | None:
    """A simple formula in Unicode (`x^2` → `x²`), or None when it is not simple."""
    text = html.unescape(_TAG_RE.sub("", source)).strip()
    text = _FRAC_RE.sub(lambda m: f"{_grouped(m.group(1))}/{_grouped(m.group(2))}", text)
    text = _SQRT_RE.sub(lambda m: f"√{_grouped(m.group(1))}", text)
    text = _COMMAND_RE.sub(_command, text)
    text = _SCRIPT_RE.sub(_script, text)
    previous = None
    while previous != text:  # {x} groups left by \mathrm{…} and the like
        previous, text = text, _GROUP_RE.sub(r"\1", text)
    if any(c in text for c in "\\{}^_"):
        return None
    return re.sub(r" {2,}", " ", text).strip()


def _grouped(part: str) -> str:
    return part if len(part) == 1 or part.isalnum() else f"({part})"


def _command(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _SPACING:
        return _SPACING[name]
    if name in _DROPPED:
        return ""
    return _SYMBOLS.get(name, match.group())


def _script(match: re.Match[str]) -> str:
    body = match.group(3) if match.group(3) is not None else match.group(4)
    table = _SUPERSCRIPTS if match.group(1) == "^" else _SUBSCRIPTS
    converted = body.translate(table)
    if any(a == b for a, b in zip(body, converted, strict=True)):
        return match.group()  # a character with no such script: keep the source
    return converted


def code_span(text: str) -> str:
    """Markdown inline code showing `text` as it is."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def with_maths_shown(text: str, show: Callable[[str], str]) -> str:
    """`text` with each maths piece replaced by `show(its display)`."""
    parts: list[str] = []
    position = 0
    for start, end, source in maths_pieces(text):
        parts.append(text[position:start])
        formula = unicode_formula(source)
        shown = formula if formula is not None else html.unescape(_TAG_RE.sub("", text[start:end]))
        parts.append(show(shown))
        position = end
    parts.append(text[position:])
    return "".join(parts)
