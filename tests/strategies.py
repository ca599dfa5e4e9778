"""Hypothesis strategies shared by several test modules."""

from hypothesis import strategies as st

# Markdown syntax, HTML specials, and every kind of space and line break,
# including the Unicode spaces that markdown-it versions trim differently.
MARKDOWN_ALPHABET = st.sampled_from(
    [
        *"ab1 .-+*_`\\\n\r\t&<>\"'#[]()!0)",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1f",
        "\x85",
        "\xa0",
        "\u1680",
        "\u2003",
        "\u200b",
        "\u2028",
        "\u3000",
        "\ufeff",
        "é",
        "…",
    ]
)
