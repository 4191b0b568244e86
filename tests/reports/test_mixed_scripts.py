"""Reports that mix scripts: an Arabic answer in an English report, English answers and the
declaration's headings in an Arabic one, a Chinese report. Checked on the PDF where its text
shows the order WeasyPrint laid the glyphs out in (left to right on the page)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from survey.core.db import db
from survey.reports.national import build_report, direction_of, render_report, report_html
from tests.conftest import page_text, response_of
from tests.reports.conftest import answer, pdf_reader

ARABIC = "اعتمدت الحكومة استراتيجية وطنية لمنع الجريمة في عام 2022."
ENGLISH = "Ministry of Justice (coordination)."
NUMBERS = "2022 – 2024"


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(("text", "direction"), [
    (ARABIC, "rtl"),
    ("«" + ARABIC, "rtl"),  # punctuation and digits decide nothing...
    ("2022: " + ENGLISH, "ltr"),
    ("ܫܠܡܐ", "rtl"),  # Syriac is right to left too (bidi class AL)
    ("עברית", "rtl"),  # Hebrew (R)
    ("COVID-19 " + ARABIC, "ltr"),  # ...the first letter does, as dir="auto" would
    (NUMBERS, ""),
    ("", ""),
])
def test_a_texts_direction_is_that_of_its_first_strong_character(text, direction):
    assert direction_of(text) == direction


def test_answers_carry_the_direction_of_their_own_text(request_ctx, make_user):
    user = make_user("focal_point", "EGY", name="محمد علي")
    response = response_of("EGY")
    answer(response, user, {"p22.status": "partially",
                            "p22.measures": f"{ARABIC}\n\n{ENGLISH}\n\n{NUMBERS}"})
    for locale in ("en", "ar"):
        with force_locale(locale):
            html = report_html(response)
        # WeasyPrint ignores dir="auto": every paragraph says its direction, or inherits
        # the page's when it has no letter to decide by.
        assert 'dir="auto"' not in html
        assert f'<p class="answer-text" dir="rtl">{ARABIC}</p>' in html
        assert f'<p class="answer-text" dir="ltr">{ENGLISH}</p>' in html
        assert f'<p class="answer-text">{NUMBERS}</p>' in html
        # A person's name, in a line of the report's own words, keeps its direction too.
        name = "<th scope=\"row\">{}</th>".format(
            '<span dir="rtl">محمد علي</span>' if locale == "en" else "محمد علي")
        assert name in html


def test_english_in_an_arabic_report_reads_left_to_right(app, make_user):
    """English answers end with their full stop, and section numbers read "I." (not ".I")
    in headings, the contents and the table of figures."""
    user = make_user("focal_point", "EGY")
    response = response_of("EGY")
    answer(response, user, {"general.coordinating_institution": ENGLISH})
    response.cycle.name = "2026 reporting cycle"  # as the secretariat may name it
    db.session.commit()

    with app.test_request_context("/"), force_locale("ar"):
        data = render_report(response)
        html = report_html(response)
    reader = pdf_reader(data)
    pages = [squeeze(page.extract_text() or "") for page in reader.pages]
    flat = "".join(pages)

    assert squeeze(ENGLISH) in flat
    assert squeeze(".Ministry of Justice )coordination(") not in flat
    contents = pages[1]
    assert squeeze("I. Advancing crime prevention") in contents
    assert squeeze("I.2. Evidence-based crime prevention") in contents
    assert ".IAdvancing" not in contents and ".I.2Evidence" not in contents  # as they were
    assert squeeze("I. Advancing crime prevention") in flat.replace(contents, "")
    assert '<span lang="en" dir="ltr"><span class="number" dir="ltr">I.</span> ' \
           'Advancing crime prevention</span>' in html
    # The chart draws no words (WeasyPrint's SVG text spelled Arabic backwards): its labels
    # and legend are the page's own text.
    chart = re.search(r"<svg [^>]*class=\"chart\".*?</svg>", html).group(0)
    assert all(text.isdigit() for text in re.findall(r"<text[^>]*>([^<]*)</text>", chart))
    legend = re.search(r'<ul class="chart-legend">.*?</ul>', html).group(0)
    assert "تنفيذ كامل" in legend and squeeze("تنفيذ كامل") in flat
    # The cycle's name in the running footer, isolated in its own direction.
    assert f'data-cycle="\u2068{response.cycle.name}\u2069"' in html


def test_an_arabic_answer_in_an_english_report_reads_right_to_left(app, make_user):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    answer(response, user, {"general.coordinating_institution": ARABIC})
    db.session.commit()

    with app.test_request_context("/"):
        data = render_report(response)
    method = next(page for page in pdf_reader(data).pages
                  if "Coordinating institution" in (page.extract_text() or ""))
    # Laid out right to left, the sentence's full stop stands at its left end, before the
    # year, which keeps its digits' order.
    line = next(line for line in method.extract_text().splitlines() if "2022" in line)
    assert line.strip().startswith(".2022")


def _fonts(reader) -> set[str]:
    names = set()

    def walk(resources):
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
        for kind in ("/XObject", "/Pattern"):
            for child in (resources.get(kind) or {}).values():
                walk(child.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return names


def test_a_chinese_report_uses_simplified_chinese_fonts_throughout(app, make_user):
    """Running headers, the chart and the watermark too: without a Simplified Chinese font
    in their lists, fontconfig fell back to the Japanese one (other glyph shapes)."""
    user = make_user("focal_point", "CHN")
    response = response_of("CHN")
    answer(response, user, {"p22.status": "fully"})
    db.session.commit()

    with app.test_request_context("/"), force_locale("zh"):
        data = render_report(response)
    fonts = _fonts(pdf_reader(data))
    assert any("CJK-SC" in name for name in fonts), fonts
    assert not any(re.search(r"CJK-(JP|KR|TC|HK)", name) for name in fonts), fonts


def test_the_arabic_preview_marks_the_directions_as_the_pdf_does(client, login_as):
    user = login_as("focal_point", "EGY")
    user.locale = "ar"
    db.session.commit()
    response = response_of("EGY")
    answer(response, user, {"general.coordinating_institution": ENGLISH,
                            "general.consultation_process": ARABIC})
    db.session.commit()

    page = client.get(f"/responses/{response.id}/report")
    html = page.get_data(as_text=True)
    assert f'<p class="answer-text" dir="ltr">{ENGLISH}</p>' in html
    assert f'<p class="answer-text" dir="rtl">{ARABIC}</p>' in html
    assert '<span class="number" dir="ltr">I.</span>' in html
    assert ARABIC in page_text(page)
    with force_locale("ar"):
        assert build_report(response).direction == "rtl"
