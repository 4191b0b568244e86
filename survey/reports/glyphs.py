"""Text as SVG outlines, shaped by Pango as WeasyPrint shapes the page's own text.

WeasyPrint 70 draws an SVG ``<text>`` one character at a time (weasyprint/svg/text.py: each
character laid out alone, then placed left to right), so Arabic in SVG came out backwards
with every letter in its isolated form. A path is drawn like any other shape, so a word
that must be drawn in SVG (the DRAFT watermark) is turned into one here: laid out by Pango
with WeasyPrint's own binding and fonts (bidi, joining, the font fontconfig picks for the
language), each glyph's outline read from its font file with fontTools (a dependency of
WeasyPrint). Being no text, it is also left out of what is copied or extracted from the PDF.

This reads WeasyPrint's internals (weasyprint.text); the version is pinned, and a change of
it also changes ``template_version`` (stored reports are rendered again).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from fontTools.pens.qu2cuPen import Qu2CuPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.text.ffi import FROM_UNITS, ffi, harfbuzz, pango
from weasyprint.text.fonts import get_hb_object_data, get_pango_font_key
from weasyprint.text.line_break import create_layout

from survey.reports import pdf


@dataclass(frozen=True)
class TextPath:
    """A line of text as outlines: the baseline from (0, 0) rightwards, y downwards."""

    glyphs: tuple[str, ...]  # each drawn glyph's SVG path data, from left to right
    width: float  # the advance of the whole line

    @property
    def d(self) -> str:
        return " ".join(self.glyphs)


class _Style(dict):
    """A computed style as WeasyPrint's layout reads it (a dict with the font config)."""

    font_config: object


@functools.lru_cache(maxsize=32)
def text_path(text: str, *, font_family: str, font_size: float, bold: bool = False,
              lang: str = "", direction: str = "ltr", letter_spacing: float = 0) -> TextPath:
    """The outline of one line of ``text``, in the units of ``font_size``.

    Made once per process for each text and font (a watermark's word in each language).

    :param font_family: a CSS font-family list, as in the page's CSS
    :param lang: the text's language (BCP 47): fonts and shaping for it
    :param direction: the paragraph direction, "ltr" or "rtl"
    """
    with pdf.shared_fonts() as font_config:
        style = _Style(INITIAL_VALUES)
        style.font_config = font_config
        style.update(
            font_family=[name.strip().strip("\"'") for name in font_family.split(",")],
            font_size=font_size, font_weight=700 if bold else 400, lang=lang or None,
            direction=direction, white_space="pre",
            letter_spacing=letter_spacing or "normal")
        layout = create_layout(text, style, None, None, 0)
        line, _index = layout.get_first_line()
        commands, x = [], 0.0
        fonts: dict[int, tuple[TTFont, float]] = {}
        run = line.runs  # in visual order, left to right; so are an RTL run's glyphs
        while run != ffi.NULL:
            glyph_item, run = run.data, run.next
            font, scale = _font(glyph_item.item.analysis.font, fonts)
            glyph_set, order = font.getGlyphSet(**_location(font, bold)), font.getGlyphOrder()
            glyphs = glyph_item.glyphs
            for info in glyphs.glyphs[0:glyphs.num_glyphs]:
                glyph = info.glyph
                if glyph != pango.PANGO_GLYPH_EMPTY \
                        and not glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                    offset_x = x + info.geometry.x_offset * FROM_UNITS
                    offset_y = info.geometry.y_offset * FROM_UNITS
                    pen = SVGPathPen(glyph_set, ntos=_number)
                    glyph_set[order[glyph]].draw(TransformPen(
                        Qu2CuPen(pen, max_err=_TOLERANCE, all_cubic=False),
                        (scale, 0, 0, -scale, offset_x, offset_y)))
                    commands.append(pen.getCommands())
                x += info.geometry.width * FROM_UNITS
    return TextPath(tuple(c for c in commands if c), x)


def _font(pango_font: object,
          fonts: dict[int, tuple[TTFont, float]]) -> tuple[TTFont, float]:
    """The font file of a Pango font, read by fontTools, and its units' size in ours."""
    key, _description, size = get_pango_font_key(pango_font)
    if key not in fonts:
        face = harfbuzz.hb_font_get_face(pango.pango_font_get_hb_font(pango_font))
        font = TTFont(io.BytesIO(get_hb_object_data(face)), lazy=True,
                      fontNumber=harfbuzz.hb_face_get_index(face))
        fonts[key] = (font, size / harfbuzz.hb_face_get_upem(face))
    return fonts[key]


def _location(font: TTFont, bold: bool) -> dict[str, dict[str, float]]:
    """A variable font's instance for the weight (a static font has no axes)."""
    if "fvar" not in font or not any(a.axisTag == "wght" for a in font["fvar"].axes):
        return {}
    return {"location": {"wght": 700 if bold else 400}}


# WeasyPrint parses a path again on every page it draws it on, command by command and
# number by number (a tenth of a millisecond per page for "DRAFT"): so the fewest of both.
# Runs of TrueType's quadratic curves that one cubic curve draws as well are merged into
# it (fontTools.qu2cu: "DRAFT" in Liberation Sans has 30 % fewer commands, 40 % fewer
# numbers), to this tolerance, and numbers are written to a tenth of a unit.
_TOLERANCE = 0.05  # 0.05 mm for the watermark


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") or "0"
