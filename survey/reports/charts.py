"""Charts drawn on the server as SVG: they print sharply, need no script and no network.

Every text is XML-escaped; nothing given to these functions becomes markup. A chart
carries a ``<title>`` and a ``<desc>`` for assistive technology (a chart the page lays out a
bar at a time has them on its figure), and segments are also told apart by their order and
labels, not by colour alone; the figures should be shown next to it as a table as well.

WeasyPrint (70) draws an SVG ``<text>`` one character at a time, each shaped alone and
placed left to right: Arabic comes out backwards with its letters apart. So words in a
language the report may be in stay out of SVG: :func:`status_bars_svg` and
:func:`status_bar_svg` draw only the bars and their counts (digits), the page puts the
labels and the legend beside them in HTML, and the watermark's word is drawn as outlines,
shaped as the page's text is (:mod:`survey.reports.glyphs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from survey.reports import glyphs

# The report's sans-serif families (report.css), with the Arabic and Simplified Chinese
# ones: without them fontconfig picks any font that has the script (Japanese for Chinese).
FONT_FAMILY = ("Liberation Sans, Noto Sans, DejaVu Sans, Noto Sans Arabic, Noto Sans CJK SC, "
               "Arial, sans-serif")
# Restrained, distinguishable in greyscale and by most colour-blind readers: a dark-to-
# light blue scale for the levels of implementation, warm grey for the rest. (The report's
# status marks and the chart's HTML legend, .status--* in report.css, use the same.)
DEFAULT_COLOURS = ("#1d4f91", "#4f7cbf", "#93b2dc", "#d9a441", "#b9bec5", "#eceef1")


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    colour: str = ""


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (#rrggbb)."""
    red, green, blue = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else "#1b1b1b"


def status_bars_svg(rows: Sequence[Sequence[int]], categories: Sequence[Category], *,
                    title: str, description: str, width: int = 412, bar_height: int = 22,
                    gap: int = 10, chart_id: str = "chart",
                    right_to_left: bool = False) -> Markup:
    """A horizontal 100 % stacked bar per row, with its counts, and nothing else: the page
    lays out each row's label beside it and the legend under it (in HTML, .bar-chart in
    report.css, whose rows are ``bar_height + gap`` apart as these bars are).

    :param rows: the counts of each bar, in the order of ``categories``
    :param categories: the segments, in order; a colour each (defaults if empty)
    :param title: the chart's accessible name
    :param description: what it shows, in words (the figures themselves belong in a table)
    :param right_to_left: bars start at the right (a right-to-left page)
    :returns: an ``<svg>`` element, safe to insert into HTML
    """
    colours = _colours(categories)
    height = max(len(rows) * (bar_height + gap) - gap, 1)
    out = [_svg_open(width, height, title, description, chart_id)]
    for index, counts in enumerate(rows):
        out.extend(_bar(counts, colours, 0, width, index * (bar_height + gap), bar_height,
                        right_to_left=right_to_left))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above went through escape()


def status_bar_svg(counts: Sequence[int], categories: Sequence[Category], *,
                   width: int = 412, height: int = 22, right_to_left: bool = False) -> Markup:
    """One 100 % stacked bar, with its counts, for a chart the page lays out a row at a
    time: each bar beside its label in HTML, which wraps over as many lines as it needs (a
    section's whole title, in any language) with the bar level with it. Hidden from
    assistive technology: its label is the text beside it, its figures are in a table.

    :param counts: the bar's counts, in the order of ``categories``
    :param right_to_left: the bar starts at the right (a right-to-left page)
    :returns: an ``<svg>`` element, safe to insert into HTML
    """
    return Markup(  # noqa: S704 - only numbers and our colours are written
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" aria-hidden="true" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT_FAMILY}">'
        + "".join(_bar(counts, _colours(categories), 0, width, 0, height,
                       right_to_left=right_to_left))
        + "</svg>")


def _colours(categories: Sequence[Category]) -> list[str]:
    return [c.colour or DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)]
            for i, c in enumerate(categories)]


def _svg_open(width: int, height: int, title: str, description: str, chart_id: str) -> str:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT_FAMILY}" '
        f'aria-labelledby={quoteattr(title_id)} aria-describedby={quoteattr(desc_id)}>'
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>"
        f"<desc id={quoteattr(desc_id)}>{escape(description)}</desc>")


def _bar(counts: Sequence[int], colours: Sequence[str], left: float, width: float,
         top: float, height: float, *, right_to_left: bool = False) -> list[str]:
    """One bar's segments, with their counts on those wide enough to hold them."""
    total = sum(counts)
    if total == 0:  # drawn as an outline: there is nothing to divide
        return [f'<rect x="{_fmt(left)}" y="{_fmt(top)}" width="{_fmt(width)}" '
                f'height="{_fmt(height)}" fill="none" stroke="#b9bec5"/>']
    out = []
    middle = top + height / 2 + 4
    start = 0.0  # from the bar's start: its left end, or its right one
    for count, colour in zip(counts, colours, strict=True):
        if count <= 0:
            continue
        segment = width * count / total
        x = left + (width - start - segment if right_to_left else start)
        out.append(f'<rect x="{_fmt(x)}" y="{_fmt(top)}" width="{_fmt(segment)}" '
                   f'height="{_fmt(height)}" fill="{colour}" stroke="#ffffff" '
                   f'stroke-width="1"/>')
        if segment >= 18:
            out.append(f'<text x="{_fmt(x + segment / 2)}" y="{_fmt(middle)}" '
                       f'font-size="10" text-anchor="middle" '
                       f'fill="{_text_colour(colour)}">{count}</text>')
        start += segment
    return out


def watermark_svg(text: str, *, lang: str = "", direction: str = "ltr",
                  colour: str = "#b3261e", opacity: float = 0.09) -> str:
    """A page-sized SVG with ``text`` across it diagonally (e.g. "DRAFT"), for a page
    background: drawn once per page by the PDF engine, and never part of the text flow.

    The word is drawn as outlines (:func:`survey.reports.glyphs.text_path`): shaped as the
    page's text is, so Arabic reads right to left with its letters joined, and not text,
    so that it stays out of what is copied or extracted from the PDF.

    :param lang: the word's language (BCP 47), for the fonts and shaping it asks for
    :param direction: "rtl" for a right-to-left word, which is not spaced out (spacing
        would pull Arabic's joined letters apart)
    """
    word = glyphs.text_path(text, font_family=FONT_FAMILY, font_size=34, bold=True,
                            lang=lang, direction=direction,
                            letter_spacing=0 if direction == "rtl" else 3)
    # Centred on the page, baseline at y=160, turned as the text was.
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297">'
        f'<path d="{word.d}" fill="{escape(colour)}" fill-opacity="{opacity:g}" '
        f'transform="rotate(-50 105 150) translate({_fmt(105 - word.width / 2)} 160)"/>'
        '</svg>')
