"""Charts drawn on the server as SVG: they print sharply, need no script and no network.

Every text is XML-escaped; nothing given to these functions becomes markup. A chart
carries a ``<title>`` and a ``<desc>`` for assistive technology, and segments are also
told apart by their order and labels, not by colour alone; the figures should be shown
next to it as a table as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

# Restrained, distinguishable in greyscale and by most colour-blind readers: a dark-to-
# light blue scale for the levels of implementation, warm grey for the rest.
FONT_FAMILY = "Liberation Sans, Noto Sans, DejaVu Sans, Arial, sans-serif"
DEFAULT_COLOURS = ("#1d4f91", "#4f7cbf", "#93b2dc", "#d9a441", "#b9bec5", "#eceef1")


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    colour: str = ""


@dataclass(frozen=True)
class BarRow:
    label: str
    counts: Sequence[int]  # one per category, in order


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (#rrggbb)."""
    red, green, blue = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else "#1b1b1b"


def stacked_bar_svg(rows: Sequence[BarRow], categories: Sequence[Category], *,
                    title: str, description: str, width: int = 640,
                    label_width: int = 220, bar_height: int = 22, gap: int = 10,
                    chart_id: str = "chart") -> Markup:
    """A horizontal 100 % stacked bar per row, with a legend underneath.

    :param rows: one bar each; counts in the order of ``categories``
    :param categories: the segments, in order; a colour each (defaults if empty)
    :param title: the chart's accessible name
    :param description: what it shows, in words (the figures themselves belong in a table)
    :returns: an ``<svg>`` element, safe to insert into HTML
    """
    colours = [c.colour or DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)]
               for i, c in enumerate(categories)]
    plot_width = width - label_width - 8
    legend_top = len(rows) * (bar_height + gap) + 6
    legend_rows = (len(categories) + 2) // 3
    height = legend_top + legend_rows * 20 + 4
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT_FAMILY}" '
        f'aria-labelledby={quoteattr(title_id)} aria-describedby={quoteattr(desc_id)}>',
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(description)}</desc>",
    ]
    for index, row in enumerate(rows):
        top = index * (bar_height + gap)
        middle = top + bar_height / 2 + 4
        out.append(f'<text x="0" y="{_fmt(middle)}" font-size="11" '
                   f'fill="#1b1b1b">{escape(_shorten(row.label, 34))}</text>')
        total = sum(row.counts)
        x = float(label_width)
        if total == 0:
            out.append(f'<rect x="{label_width}" y="{top}" width="{plot_width}" '
                       f'height="{bar_height}" fill="none" stroke="#b9bec5"/>')
            continue
        for count, colour in zip(row.counts, colours, strict=True):
            if count <= 0:
                continue
            segment = plot_width * count / total
            out.append(f'<rect x="{_fmt(x)}" y="{top}" width="{_fmt(segment)}" '
                       f'height="{bar_height}" fill="{colour}" stroke="#ffffff" '
                       f'stroke-width="1"/>')
            if segment >= 18:
                out.append(f'<text x="{_fmt(x + segment / 2)}" y="{_fmt(middle)}" '
                           f'font-size="10" text-anchor="middle" '
                           f'fill="{_text_colour(colour)}">{count}</text>')
            x += segment
    for index, (category, colour) in enumerate(zip(categories, colours, strict=True)):
        column, line = index % 3, index // 3
        left = label_width + column * (plot_width / 3)
        top = legend_top + line * 20
        out.append(f'<rect x="{_fmt(left)}" y="{top}" width="12" height="12" '
                   f'fill="{colour}" stroke="#6b7280" stroke-width="0.5"/>')
        out.append(f'<text x="{_fmt(left + 17)}" y="{top + 10}" font-size="10" '
                   f'fill="#1b1b1b">{escape(category.label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above went through escape()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def watermark_svg(text: str, *, colour: str = "#b3261e", opacity: float = 0.09) -> str:
    """A page-sized SVG with ``text`` across it diagonally (e.g. "DRAFT"), for a page
    background: drawn once per page by the PDF engine, and never part of the text flow."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297">'
        f'<text x="105" y="160" text-anchor="middle" font-size="34" font-weight="bold" '
        f'font-family="{FONT_FAMILY}" letter-spacing="3" '
        f'fill="{escape(colour)}" fill-opacity="{opacity:g}" '
        f'transform="rotate(-50 105 150)">{escape(text)}</text></svg>')
