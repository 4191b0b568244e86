"""The server-drawn SVG: the charts escaped, accessible, proportional; the watermark's word
as outlines, shaped as the page's text is."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.svgLib.path import parse_path

from survey.reports.charts import (
    DEFAULT_COLOURS,
    FONT_FAMILY,
    Category,
    status_bars_svg,
    watermark_svg,
)
from survey.reports.glyphs import text_path

SVG = "{http://www.w3.org/2000/svg}"
CATEGORIES = [Category("yes", "Yes"), Category("part", "In part"), Category("no", "No")]


def test_chart_escapes_every_text_and_is_well_formed():
    hostile = '<script>alert(1)</script>&"\'<img src=x onerror=alert(1)>'
    svg = status_bars_svg([[1, 2, 3]],
                          [Category("a", hostile), Category("b", "B"), Category("c", "C")],
                          title=hostile, description=hostile)
    assert "<script" not in svg and "<img" not in svg
    root = ET.fromstring(str(svg))  # noqa: S314 - well-formed XML, one element
    assert root.find(f"{SVG}title").text == hostile
    assert root.find(f"{SVG}desc").text == hostile


def test_chart_has_a_name_a_description_and_proportional_segments():
    svg = status_bars_svg([[2, 1, 1], [0, 0, 0]], CATEGORIES, title="Status by section",
                          description="Counts", width=400, chart_id="c1")
    root = ET.fromstring(str(svg))  # noqa: S314
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title"
    assert root.find(f"{SVG}title").text == "Status by section"
    assert root.find(f"{SVG}desc").text == "Counts"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]
    widths = [float(r.get("width")) for r in bars if r.get("fill") != "none"]
    assert widths[0] == 2 * widths[1] == 2 * widths[2]
    assert sum(widths) == 400
    # An empty row is drawn as an outline, not as a bar.
    assert any(r.get("fill") == "none" for r in bars)
    # The counts are written on the segments, so colour is not the only cue.
    assert {"2", "1"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_status_bars_have_no_words_and_start_at_the_pages_start():
    """Only shapes and digits in SVG: WeasyPrint draws SVG text letter by letter, so the
    labels and the legend are HTML next to it (an Arabic label came out backwards)."""
    categories = [Category("yes", "نعم"), Category("part", "جزئيا"), Category("no", "لا")]
    for right_to_left in (False, True):
        svg = status_bars_svg([[2, 1, 1], [0, 0, 0]], categories, title="الحالة حسب الفرع",
                              description="<desc>", width=400, chart_id="c2",
                              right_to_left=right_to_left)
        root = ET.fromstring(str(svg))  # noqa: S314
        assert root.get("role") == "img" and root.get("aria-describedby") == "c2-desc"
        assert root.find(f"{SVG}title").text == "الحالة حسب الفرع"
        assert root.find(f"{SVG}desc").text == "<desc>"
        assert [t.text for t in root.iter(f"{SVG}text")] == ["2", "1", "1"]
        assert root.get("height") == str(22 + 10 + 22)  # two bars, 32 apart as the labels
        first = next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == DEFAULT_COLOURS[0])
        assert float(first.get("width")) == 200
        # On a right-to-left page the bars start at the right, as its lines do.
        assert float(first.get("x")) == (200 if right_to_left else 0)


def test_the_watermark_is_drawn_as_outlines_not_as_text():
    """Not text: nothing of it is copied or extracted from the PDF, and WeasyPrint's SVG
    text (letter by letter, left to right) does not get to spell an Arabic word backwards."""
    for word, lang, direction in (("<DRAFT & co>", "en", "ltr"), ("مسودة", "ar", "rtl"),
                                  ("草稿", "zh", "ltr")):
        svg = watermark_svg(word, lang=lang, direction=direction)
        root = ET.fromstring(svg)  # noqa: S314
        assert root.find(f".//{SVG}text") is None
        path = root.find(f"{SVG}path")
        assert re.fullmatch(r"[MLHVQCZ0-9. -]+", path.get("d")), path.get("d")[:80]
        assert path.get("transform").startswith("rotate(-50 105 150) translate(")


def _bounds(d: str) -> tuple[float, float, float, float]:
    pen = BoundsPen(None)
    parse_path(d, pen)
    return pen.bounds


def test_an_arabic_word_is_shaped_right_to_left_with_its_letters_joined():
    """"ما" (meem, alef): the alef ends the word, so it is drawn on the left, and the meem
    takes its initial form, joined to it, not the isolated one WeasyPrint's SVG text drew."""
    word = text_path("ما", font_family=FONT_FAMILY, font_size=34, bold=True, lang="ar",
                     direction="rtl")
    left, right = (_bounds(glyph) for glyph in word.glyphs)
    isolated_meem = _bounds(text_path("م", font_family=FONT_FAMILY, font_size=34, bold=True,
                                      lang="ar", direction="rtl").d)
    alef_height, meem_height = left[3] - left[1], right[3] - right[1]
    assert left[0] < right[0] and alef_height > 2 * (left[2] - left[0])  # a tall stroke
    assert meem_height < alef_height
    # The isolated meem has its tail below the baseline (y grows downwards); joined, none.
    assert isolated_meem[3] > 5 and right[3] < 2


def test_text_outlines_follow_the_fonts_advances():
    word = text_path("DRAFT", font_family=FONT_FAMILY, font_size=34, bold=True)
    spaced = text_path("DRAFT", font_family=FONT_FAMILY, font_size=34, bold=True,
                       letter_spacing=3)
    assert len(word.glyphs) == 5 and 100 < word.width < 130
    assert spaced.width == pytest.approx(word.width + 4 * 3)  # between the letters
    lefts = [_bounds(glyph)[0] for glyph in word.glyphs]
    assert lefts == sorted(lefts)
