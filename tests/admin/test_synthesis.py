"""The global synthesis: per section and paragraph, how many States report each status; the
most requested technical assistance by regional group; the States that have submitted."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from survey.admin.synthesis import build_synthesis, synthesis_html
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.reports import pdf
from survey.responses.services import submit
from tests.admin.conftest import save
from tests.conftest import response_of
from tests.responses.helpers import complete


def submitted(code, make_user, values):
    focal_point = make_user("focal_point", code)
    response = response_of(code)
    complete(response, focal_point)  # every status "not yet"
    save(response, focal_point, values)
    submit(response, actor=focal_point)
    db.session.commit()


def test_the_synthesis_counts_signed_off_responses(make_user):
    # Japan (Asia-Pacific) and Kenya (African) submit; France is still drafting.
    submitted("JPN", make_user, {"p22.status": "fully", "p22.measures": "Act",
                                 "p22.assistance": ["training", "data"],
                                 "p23.assistance": ["training"]})
    submitted("KEN", make_user, {"p22.status": "partially", "p22.measures": "Plan",
                                 "p22.assistance": ["training", "none"]})
    france = make_user("focal_point", "FRA")
    save(response_of("FRA"), france, {"p22.status": "largely",
                                      "p22.assistance": ["legislative"]})

    synthesis = build_synthesis(current_cycle())
    assert (synthesis.participants, synthesis.included) == (193, 2)
    labels = [c.label for c in synthesis.categories]
    assert labels[0] == "Fully implemented" and labels[-1] == "Not answered"
    by_number = {p.number: p.counts for s in synthesis.sections for p in s.paragraphs}
    # fully, largely, partially, not yet, not applicable, not answered
    assert by_number[22] == (1, 0, 1, 0, 0, 0)
    assert by_number[23] == (0, 0, 0, 2, 0, 0)
    section_i = next(s for s in synthesis.sections if s.key == "I")
    assert sum(section_i.counts) == 2 * len(section_i.paragraphs)
    assert "Paragraph 22" in [row.label for row in section_i.chart.rows]
    assert all("<svg" in row.bar for row in section_i.chart.rows)

    assert [g for g, _n in synthesis.groups] == ["African States", "Asia-Pacific States"]
    needs = {n.value: n for n in synthesis.assistance}
    assert needs["training"].states == (1, 1) and needs["training"].requests == 3
    assert needs["data"].states == (0, 1)
    assert "none" not in needs and "legislative" not in needs  # France has not submitted
    assert synthesis.assistance[0].value == "training"  # the most requested first
    assert ranking(synthesis) == {
        "African States": [(1, "Training and capacity-building", 1, 1)],
        "Asia-Pacific States": [(1, "Training and capacity-building", 2, 1),
                                (2, "Data collection and statistics", 1, 1)]}
    assert [s.code for s in synthesis.signed_off] == ["JPN", "KEN"]

    everyone = build_synthesis(current_cycle(), final_only=False)
    assert everyone.included == 193
    by_number = {p.number: p.counts for s in everyone.sections for p in s.paragraphs}
    assert by_number[22] == (1, 1, 1, 0, 0, 190)
    assert "legislative" in {n.value for n in everyone.assistance}


def ranking(synthesis) -> dict[str, list[tuple[int, str, int, int]]]:
    """Each group's most requested assistance: (rank, label, requests, States)."""
    return {group: [(n.rank, n.label, n.requests, n.states) for n in needs]
            for group, needs in synthesis.top_assistance_by_group}


def test_each_group_ranks_the_assistance_by_the_requests_it_shows(app, make_user):
    """Both Asia-Pacific States ask for training and for data collection: ranked by States,
    the tie went to the first in alphabetical order. Ranked by requests (paragraphs on
    which they asked for it), training comes first; kinds requested as often share a rank,
    and the fourth rank is left out."""
    submitted("JPN", make_user, {
        "p22.assistance": ["training", "data"], "p23.assistance": ["training", "legislative"],
        "p24.assistance": ["training", "policy"]})
    submitted("CHN", make_user, {"p22.assistance": ["training", "data"],
                                 "p23.assistance": ["legislative"]})

    with app.test_request_context("/"):
        synthesis = build_synthesis(current_cycle())
        html = synthesis_html(synthesis)

    assert ranking(synthesis) == {"Asia-Pacific States": [
        (1, "Training and capacity-building", 4, 2),
        (2, "Data collection and statistics", 2, 2),
        (2, "Legislative drafting and advice", 2, 2)]}
    text = " ".join(re.sub(r"<[^>]+>", " ", html.split('id="signed-off"')[0]).split())
    assert "Most requested in each regional group, by number of requests" in text
    assert ("Asia-Pacific States 1. Training and capacity-building (4 requests from 2 "
            "States) 2. Data collection and statistics (2 requests from 2 States) "
            "2. Legislative drafting and advice (2 requests from 2 States)") in text
    assert "Policy or strategy development (1 request" not in text


def test_the_synthesis_names_the_states_in_its_language(app, make_user):
    for code in ("JPN", "EGY", "DEU"):
        submitted(code, make_user, {"p22.status": "fully", "p22.measures": "Act"})
    with app.test_request_context("/"), force_locale("fr"):
        synthesis = build_synthesis(current_cycle())
    assert [s.name for s in synthesis.signed_off] == ["Allemagne", "Égypte", "Japon"]
    assert [s.name for s in build_synthesis(current_cycle()).signed_off] == [
        "Egypt", "Germany", "Japan"]


def test_the_synthesis_pdf(client, admin, make_user):
    submitted("JPN", make_user, {"p22.status": "fully", "p22.measures": "Act",
                                 "p22.assistance": ["training"]})
    cycle = current_cycle()
    page = client.get(f"/admin/cycles/{cycle.id}")
    assert f'href="/admin/cycles/{cycle.id}/synthesis.pdf"' in page.get_data(as_text=True)
    pdf = client.get(f"/admin/cycles/{cycle.id}/synthesis.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "kyoto-synthesis-" in pdf.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "global synthesis" in text
    assert "States that have submitted" in text and "Japan" in text
    assert "Technical assistance requested" in text
    assert "1 submitted or accepted, of 193 States taking part" in text
    assert int(pdf.headers["X-Report-Pages"]) == len(reader.pages) > 3


def pdf_pages(reply) -> list[str]:
    """Each page's text, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(reply.get_data()))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_every_page_says_which_responses_the_synthesis_counts(client, admin, make_user):
    """A page printed or quoted alone cannot pass for the synthesis of every State."""
    submitted("JPN", make_user, {"p22.status": "fully", "p22.measures": "Act"})
    url = f"/admin/cycles/{current_cycle().id}/synthesis.pdf"

    final = pdf_pages(client.get(url))
    everyone = pdf_pages(client.get(url + "?scope=all"))

    # The cover has no running header; every other page has.
    assert all("Submitted or accepted responses (1 of 193 States)" in page
               for page in final[1:])
    assert all("All responses, submitted or not (193 States)" in page for page in everyone[1:])
    assert not any("All States" in page for page in final + everyone)


def test_a_status_the_secretariat_adds_is_counted_not_taken_for_no_answer(make_user):
    """Version 2 adds "Planned" to every paragraph's scale: a State that chose it is counted
    under it, with its label, not as "Not answered"."""
    from survey.questionnaires import editing
    from survey.questionnaires.services import published_version

    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    for question in list(draft.questions):
        if question.key.endswith(".status"):
            editing.update_question(question, {"options": [
                *question.options, {"value": "planned", "label": "Planned"}]}, actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[current_cycle()])
    db.session.commit()
    save(response_of("JPN"), make_user("focal_point", "JPN"), {"p22.status": "planned"})

    synthesis = build_synthesis(current_cycle(), final_only=False)
    labels = [c.label for c in synthesis.categories]
    assert labels[-2:] == ["Planned", "Not answered"]
    by_number = {p.number: p.counts for s in synthesis.sections for p in s.paragraphs}
    assert by_number[22][-2:] == (1, 192)


def test_the_synthesis_words_the_statuses_as_the_states_read_them(app, make_user):
    """Version 2 rewords "Not yet implemented" on paragraph 22: the synthesis says it as the
    version does, and reads in the reader's language as the State's pages do."""
    from survey.questionnaires import editing
    from survey.questionnaires.localized import localized
    from survey.questionnaires.outline import outline_of
    from survey.questionnaires.services import published_version

    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    question = editing.question_by_key(draft, "p22.status")
    editing.update_question(question, {"options": [
        {**o, "label": "Not implemented yet"} if o["value"] == "not_yet" else o
        for o in question.options]}, actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[current_cycle()])
    db.session.commit()
    save(response_of("JPN"), make_user("focal_point", "JPN"),
         {"p22.status": "not_yet", "p22.assistance": ["training"]})

    synthesis = build_synthesis(current_cycle(), final_only=False)
    assert [c.label for c in synthesis.categories] == [
        "Fully implemented", "Largely implemented", "Partially implemented",
        "Not yet implemented / Not implemented yet", "Not applicable", "Not answered"]
    by_number = {p.number: p.counts for s in synthesis.sections for p in s.paragraphs}
    assert by_number[22][3] == 1

    with app.test_request_context("/"), force_locale("fr"):
        synthesis = build_synthesis(current_cycle(), final_only=False)
        html = synthesis_html(synthesis)
        state_pages = localized(outline_of(current_cycle().questionnaire_version))
    # The statuses, kinds of assistance and headings the State's pages show in French...
    scale = [o.label for o in state_pages.questions_by_key["p23.status"].options]
    assert scale[0] == "Pleinement mis en œuvre"
    assert [c.label for c in synthesis.categories] == [
        *scale[:3], f"{scale[3]} / Not implemented yet", *scale[4:], "Sans réponse"]
    assert "Formation et renforcement des capacités" in {
        o.label for o in state_pages.questions_by_key["p23.assistance"].options}
    assert "Formation et renforcement des capacités" in html
    assert synthesis.sections[0].heading == "Engagements"
    assert f'<th scope="col" class="num">{scale[0]}</th>' in html
    # ...and what stays in English (the declaration's headings) says so.
    assert 'lang="en">I. Advancing crime prevention</a>' in html


def chart_texts(html: str) -> list[tuple[str, list[str]]]:
    """What each chart of the laid-out document shows in words besides its legend, and the
    lines of it that stick out of a box holding them (cut off, or drawn over the bars)."""
    charts: dict[int, tuple[list[str], list[str]]] = {}  # by figure, in the document's order

    def fits(text, holder) -> bool:
        left = holder.padding_box_x()
        return left - 0.5 <= text.position_x \
            and text.position_x + text.width <= left + holder.padding_width() + 0.5

    def visit(box, chart, holders: list) -> None:
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        if element is not None and element.tag == "figure" and "chart-figure" in classes:
            chart, holders = charts.setdefault(id(element), ([], [])), []
        elif chart is not None and "chart-legend" in classes:
            return
        if chart is not None and type(box).__name__ == "TextBox":
            chart[0].append(box.text)
            if not all(fits(box, holder) for holder in holders):
                chart[1].append(box.text)
        for child in getattr(box, "children", ()):
            visit(child, chart, [*holders, box] if chart is not None else holders)

    for page in pdf.lay_out(html).pages:
        visit(page._page_box, None, [])
    return [(" ".join(words), cut) for words, cut in charts.values()]


@pytest.mark.parametrize("locale", ["en", "ru", "ar"])
def test_the_charts_give_each_bar_its_whole_label(app, locale):
    """A section's title beside its bar is there to read in full, over as many lines as it
    takes, in every language: not "IV. Promoting international cooperation and te"."""
    with app.test_request_context("/"), force_locale(locale):
        synthesis = build_synthesis(current_cycle(), final_only=False)
        html = synthesis_html(synthesis)
    charts = [synthesis.overall_chart, *(s.chart for s in synthesis.sections)]

    laid_out = chart_texts(html)

    assert len(laid_out) == len(charts)
    longest = max((s.heading for s in synthesis.sections), key=len)
    assert longest.startswith("IV. Promoting international cooperation and technical")
    for chart, (text, cut) in zip(charts, laid_out, strict=True):
        words = text.split()
        for row in chart.rows:  # every word of every label, in order
            assert " ".join(row.label.split()) in " ".join(words)
        assert not cut


def test_in_arabic_the_charts_draw_no_words(app, make_user):
    """WeasyPrint draws SVG text letter by letter, left to right: the charts' labels and
    legend are HTML beside the bars, which start at the right."""
    with app.test_request_context("/"), force_locale("ar"):
        synthesis = build_synthesis(current_cycle(), final_only=False)
        html = synthesis_html(synthesis)
    charts = [synthesis.overall_chart, *(s.chart for s in synthesis.sections)]
    drawn = [t for chart in charts for row in chart.rows
             for t in re.findall(r"<text[^>]*>([^<]*)</text>", row.bar)]
    assert drawn and all(t.isdigit() for t in drawn)  # the counts; the name is the figure's
    # "Paragraph 3" and the others, in Arabic, beside the bars of the first section's chart.
    labels = html.split('class="bar-rows"')[2].split("</ul>")[0]
    assert re.search("[\u0600-\u06ff]", labels) and " 3<" in labels
