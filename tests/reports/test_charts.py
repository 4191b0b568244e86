"""The server-drawn SVG chart: escaped, accessible, proportional."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from survey.reports.charts import BarRow, Category, stacked_bar_svg, watermark_svg

SVG = "{http://www.w3.org/2000/svg}"
CATEGORIES = [Category("yes", "Yes"), Category("part", "In part"), Category("no", "No")]


def test_chart_escapes_every_text_and_is_well_formed():
    hostile = '<script>alert(1)</script>&"\'<img src=x onerror=alert(1)>'
    svg = stacked_bar_svg([BarRow(hostile, [1, 2, 3])],
                          [Category("a", hostile), Category("b", "B"), Category("c", "C")],
                          title=hostile, description=hostile)
    assert "<script" not in svg and "<img" not in svg
    root = ET.fromstring(str(svg))  # noqa: S314 - well-formed XML, one element
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert hostile in texts  # the legend shows the label as text
    assert root.find(f"{SVG}title").text == hostile


def test_chart_has_a_name_a_description_and_proportional_segments():
    svg = stacked_bar_svg([BarRow("Section I", [2, 1, 1]), BarRow("Section II", [0, 0, 0])],
                          CATEGORIES, title="Status by section", description="Counts",
                          width=500, label_width=100, chart_id="c1")
    root = ET.fromstring(str(svg))  # noqa: S314
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title"
    assert root.find(f"{SVG}title").text == "Status by section"
    assert root.find(f"{SVG}desc").text == "Counts"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]
    widths = [float(r.get("width")) for r in bars if r.get("fill") != "none"]
    assert widths[0] == 2 * widths[1] == 2 * widths[2]
    assert sum(widths) == 500 - 100 - 8
    # An empty row is drawn as an outline, not as a bar.
    assert any(r.get("fill") == "none" for r in bars)
    # The counts are written on the segments, so colour is not the only cue.
    assert {"2", "1"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_watermark_escapes_its_text():
    svg = watermark_svg("<DRAFT & co>")
    root = ET.fromstring(svg)  # noqa: S314
    assert root.find(f"{SVG}text").text == "<DRAFT & co>"
