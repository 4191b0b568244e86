"""Cleaning short texts that are shown inline, such as people's and States' names."""

from __future__ import annotations

# Directional formatting characters: in a name shown inline they could reverse the text
# around it (a breadcrumb, a sentence). Names never need them; long answers, shown as
# blocks of their own, keep them.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean_name(name: str) -> str:
    """The name without directional controls, with runs of white space made one space."""
    return " ".join(name.translate(_BIDI_CONTROLS).split())
