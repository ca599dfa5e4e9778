"""Words of card text, as the lint rules compare them.

A card's text is reduced to *content stems*: lower-cased words without Markdown or cloze
markup, without function words and card boilerplate ("according to the source"), a plural
"s" dropped and each word cut to its first six letters, so that "inhibition" and
"inhibitory", or "gate" and "gates", count as the same word.
"""

from __future__ import annotations

import re

from studyapp.cardtext import without_cloze_markup

STEM_LENGTH = 6
_WORD_RE = re.compile(r"[^\W_]+")
_MARKUP_RE = re.compile(r"[*_`]")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "against",
        "al",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "during",
        "e",
        "each",
        "eg",
        "et",
        "etc",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "how",
        "i",
        "ie",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "may",
        "might",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "one",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "per",
        "s",
        "same",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "vs",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "according",
        "call",
        "called",
        "name",
        "named",
        "say",
        "says",
        "said",
        "source",
        "sources",
        "text",
    ]
)


def plain(text: str) -> str:
    """Card text without cloze markup (deletions shown) and Markdown emphasis."""
    return _MARKUP_RE.sub("", without_cloze_markup(text))


def stem(word: str) -> str:
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM_LENGTH]


def stems(text: str) -> set[str]:
    """The content stems of `text` (see the module docstring)."""
    return {stem(w) for w in _WORD_RE.findall(plain(text)) if w.lower() not in STOPWORDS}


def words(text: str) -> list[str]:
    return _WORD_RE.findall(plain(text))


def shared_share(part: str, whole: str) -> float:
    """Share of `part`'s content stems that also occur in `whole` (0.0 if `part` has none)."""
    mine = stems(part)
    return len(mine & stems(whole)) / len(mine) if mine else 0.0


def normalised(text: str) -> str:
    """Content stems of `text` in order, joined by spaces: what near-duplicate detection compares
    (so "what does the source say" and "according to the source, what" cost nothing)."""
    return " ".join(stem(w) for w in words(text) if w.lower() not in STOPWORDS)
