"""What the national report says: tested on the PDF's own text and structure."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.questionnaires import editing
from survey.questionnaires.services import published_version
from survey.reports.national import (
    build_report,
    render_report,
    report_filename,
    report_html,
    section_titles,
    text_paragraphs,
)
from survey.reports.samples import sample_answers
from survey.responses.services import outline_for, submit
from tests.conftest import page_text, response_of
from tests.reports.conftest import answer, pdf_reader, pdf_text


def squeeze(text: str) -> str:
    """Text without any whitespace, for comparing across line and page breaks."""
    return re.sub(r"[\s\u200b]+", "", text)


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/"):
        yield


def report_cycle_name(response) -> str:
    return response.cycle.name


def outline_titles(outline, depth=0):
    for item in outline:
        if isinstance(item, list):
            yield from outline_titles(item, depth + 1)
        else:
            yield depth, item.title


def test_complete_report_shows_the_state_status_sections_paragraphs_and_answers(
        request_ctx, make_user, fill):
    focal_point = make_user("focal_point", "JPN", name="Hanako Yamada")
    contributor = make_user("contributor", "JPN", name="Taro Suzuki")
    response = response_of("JPN")
    values = fill(response, focal_point)
    answer(response, contributor, {"p22.authorities": "National Police Agency (Japan)"})
    outline = outline_for(response)

    data = render_report(response)
    reader = pdf_reader(data)
    text = pdf_text(data)
    flat = squeeze(text)

    # Cover and metadata
    assert "National self-assessment on the implementation of the Kyoto Declaration" in text
    assert "Japan" in text and "In progress" in text
    assert report_cycle_name(response) in text
    assert "Draft — not yet submitted" in text
    assert reader.metadata.title.startswith("National self-assessment")
    assert "Japan" in reader.metadata.title
    assert reader.metadata.author == "Government of Japan"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]

    # Every section heading, in the text and in the bookmarks
    report = build_report(response)
    bookmarks = [title for _depth, title in outline_titles(reader.outline)]
    for title in section_titles(report):
        assert squeeze(title) in flat, title
        assert any(title in b for b in bookmarks), title
    assert "Contents" in bookmarks and "Summary in figures" in bookmarks
    assert any(b == "Paragraph 22" for b in bookmarks)

    # A paragraph's full text, and answers of each kind
    first_of_section_i = outline.sections_by_key["I"].subsections[0].paragraphs[0]
    assert squeeze(first_of_section_i.text) in flat
    assert squeeze("National Police Agency (Japan)") in flat
    assert squeeze(values["general.coordinating_institution"]) in flat
    assert squeeze(text_paragraphs(values["p22.measures"])[0]) in flat
    status_question = outline.questions_by_key["p22.status"]
    assert squeeze(status_question.option_label(values["p22.status"])) in flat
    executive_summary = text_paragraphs(values["general.executive_summary"])
    assert squeeze(executive_summary[0]) in flat

    # Pages are numbered "Page X of Y"; the table of contents gives page numbers
    pages = len(reader.pages)
    assert f"Page 2 of {pages}" in text and f"Page {pages} of {pages}" in text
    toc_page = reader.pages[1].extract_text()
    assert re.search(r"Annex II\. Contributors\s*\.*\s*\d+", toc_page)
    # ... and its entries are links to the sections
    links = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert sum(1 for a in links if a.get("/Subtype") == "/Link") >= len(report.sections)

    # Annexes
    assert "Hanako Yamada" in text and "Taro Suzuki" in text
    assert "national focal point" in text and "contributor" in text


def test_draft_mark_until_submitted_then_the_sign_off(request_ctx, make_user):
    focal_point = make_user("focal_point", "FRA", name="Marianne Dupont")
    response = response_of("FRA")
    outline = outline_for(response)
    values = sample_answers(outline, seed=7)
    required = {q.key: values[q.key] for q in outline.questions()
                if q.is_required(values) and q.key in values}
    answer(response, focal_point, required)

    draft_pdf = render_report(response)
    draft = pdf_text(draft_pdf)
    # The mark on every page: a page background drawn as outlines, so none of its letters
    # end up in the text people copy or extract (it was text: "DRAFT" on every page)...
    assert all(_draws_the_watermark(page) for page in pdf_reader(draft_pdf).pages)
    assert "DRAFT" not in draft
    # ...and on the cover, in words
    assert "Draft — not yet submitted" in draft
    assert "Not yet signed off" in draft
    assert "Not answered" in draft  # optional questions left empty are shown, not dropped

    submit(response, actor=focal_point)
    final_pdf = render_report(response)
    final = pdf_text(final_pdf)
    assert not any(_draws_the_watermark(page) for page in pdf_reader(final_pdf).pages)
    assert "not yet submitted" not in final
    assert "Submitted" in final
    assert "Submitted on behalf of the Government by Marianne Dupont" in final


def _draws_the_watermark(page) -> bool:
    """Whether a page's background (an artifact, first thing drawn) is the watermark: a
    form of the page's size filled in its red, see-through."""
    contents = page.get_contents().get_data()
    drawn = re.match(rb"[^/]*/Artifact\s+BMC\s+[^/]*/(x\d+) Do", contents)
    if drawn is None:
        return False
    form = page["/Resources"]["/XObject"]["/" + drawn.group(1).decode()].get_object()
    return b"0.701961 0.14902 0.117647 rg" in _form_data(form)


def _form_data(form) -> bytes:
    """A form's content with that of the forms it draws."""
    data = form.get_data()
    for child in (form.get("/Resources") or {}).get("/XObject", {}).values():
        data += _form_data(child.get_object())
    return data


def test_unanswered_questions_are_shown_as_not_answered(request_ctx):
    response = response_of("DEU")
    report = build_report(response)
    paragraph = next(iter(report.sections[0].all_paragraphs()))
    assert paragraph.status_label == "Not answered"
    kinds = {entry.kind for entry in paragraph.entries}
    # measures are asked only for some statuses; the others are simply not answered
    assert kinds <= {"missing", "not_asked"} and "missing" in kinds
    assert report.status_totals[-1] == sum(report.status_totals) > 0
    html = report_html(response)
    assert html.count("Not answered") > 500
    assert report.contributors == ()


def test_the_method_prints_every_general_question_of_the_version_in_order(request_ctx,
                                                                         make_user):
    """Whatever a version asks in its general part is printed (answered or not), but for
    the summary and the priority actions, which open the report, and the focal point's
    contact details, which are for the secretariat, not for a document tabled publicly."""
    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    general = editing.question_by_key(draft, "general.consultation_process").section
    editing.add_question(general, {"key": "general.national_strategy", "type": "long_text",
                                   "label": "Describe your State's crime prevention strategy."},
                         actor=admin)
    editing.add_question(general, {"key": "general.strategy_year", "type": "number",
                                   "label": "In which year was it adopted?"}, actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[current_cycle()])
    db.session.commit()
    response = response_of("KEN")
    contact = "Ms Wanjiru Kamau, wanjiru.kamau@example.org, +254 20 123 4567"
    answer(response, make_user("focal_point", "KEN"), {
        "general.national_strategy": "A national strategy adopted in 2019.",
        "general.coordinating_institution": "Office of the Attorney General",
        "general.focal_point_contact": contact})

    report = build_report(response)
    assert [entry.title for entry in report.method] == [
        "Coordinating institution", "Stakeholders who contributed",
        "Stakeholders consulted and their contribution", "Consultation and validation process",
        "Describe your State's crime prevention strategy.", "In which year was it adopted?"]
    method = report_html(response, report=report).split('id="method"')[1].split("</section>")[0]
    assert re.search(r"<dt>Describe your State&#39;s crime prevention strategy.</dt><dd><p "
                     r"[^>]*>A national strategy adopted in 2019.</p></dd>", method)
    assert re.search(r"<dt>In which year was it adopted\?</dt><dd><span class=\"gap\">"
                     r"Not answered</span></dd>", method)
    assert "Executive summary" not in method and "Priority actions" not in method
    assert "Kamau" not in report_html(response, report=report)


def test_a_status_the_secretariat_adds_is_printed_and_counted(request_ctx, make_user):
    """Version 2 adds "Planned" to every paragraph's scale: a paragraph given it says so,
    and the summary counts it, instead of "Not answered"."""
    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    for question in list(draft.questions):
        if question.key.endswith(".status"):
            editing.update_question(question, {"options": [
                *question.options, {"value": "planned", "label": "Planned"}]}, actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[current_cycle()])
    db.session.commit()
    response = response_of("KEN")
    answer(response, make_user("focal_point", "KEN"), {"p22.status": "planned"})

    report = build_report(response)
    [p22] = [p for s in report.sections for p in s.all_paragraphs() if p.number == 22]
    assert (p22.status, p22.status_label) == ("planned", "Planned")
    assert [c.label for c in report.status_categories][-2:] == ["Planned", "Not answered"]
    assert sum(row.counts[-2] for row in report.status_rows) == 1


def test_an_answer_to_a_question_no_longer_asked_is_not_printed(request_ctx, make_user):
    """Measures typed while the status was "partially", then the status changed to "not yet
    implemented": the State no longer reports them (the answer itself is kept)."""
    user = make_user("focal_point", "ITA")
    response = response_of("ITA")
    answer(response, user, {"p22.status": "partially", "p22.measures": "Decree 41/2024.",
                            "p22.challenges": ["capacity"], "p22.assistance": ["training"]})
    assert "Decree 41/2024." in report_html(response)
    answer(response, user, {"p22.status": "not_yet"})
    html = report_html(response)
    assert "Decree 41/2024." not in html
    [p22] = [p for section in build_report(response).sections
             for p in section.all_paragraphs() if p.number == 22]
    measures = next(e for e in p22.entries if e.title == "Measures taken")
    assert measures.kind == "not_asked"


def test_long_text_keeps_its_paragraphs_and_line_breaks(request_ctx, make_user):
    user = make_user("focal_point", "ITA")
    response = response_of("ITA")
    measures = "First paragraph,\nsecond line.\n\n\nSecond paragraph."
    answer(response, user, {"p22.status": "partially", "p22.measures": measures})
    html = report_html(response)
    # Each paragraph with its own direction (test_mixed_scripts: Arabic reads right to left)
    assert '<p class="answer-text" dir="ltr">First paragraph,\nsecond line.</p>' \
           '<p class="answer-text" dir="ltr">Second paragraph.</p>' in html
    assert text_paragraphs("a" * 100) == ("a" * 32 + "\u200b" + "a" * 32 + "\u200b"
                                          + "a" * 32 + "\u200b" + "a" * 4,)


def test_report_follows_the_language_and_direction(request_ctx):
    response = response_of("EGY")
    with force_locale("ar"):
        html = report_html(response)
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    with force_locale("fr"):
        assert '<html lang="fr" dir="ltr">' in report_html(response)


def test_report_filename(request_ctx):
    response = response_of("JPN")
    assert report_filename(response) == f"kyoto-self-assessment-JPN-{response.cycle.slug}.pdf"


def test_preview_shows_the_same_content(client, login_as, make_user):
    user = login_as("observer", "JPN")
    assert user
    response = response_of("JPN")
    page = client.get(f"/responses/{response.id}/report")
    assert page.status_code == 200
    text = page_text(page)
    assert "National self-assessment on the implementation of the Kyoto Declaration" in text
    assert "Summary in figures" in text and "Annex II. Contributors" in text
    assert "This is a draft" in text
    html = page.get_data(as_text=True)
    assert 'role="img"' in html and "<caption>" in html


def test_the_report_names_the_state_in_the_readers_language(client, login_as):
    user = login_as("focal_point", "DEU")
    user.locale = "fr"
    db.session.commit()
    response = response_of("DEU")

    preview = page_text(client.get(f"/responses/{response.id}/report"))
    assert "Auto-évaluation nationale" in preview
    assert "Allemagne" in preview and "Germany" not in preview

    data = client.get(f"/responses/{response.id}/report.pdf").get_data()
    text = pdf_text(data)
    assert "Allemagne (DEU)" in text and "Germany" not in text
    assert "Allemagne" in pdf_reader(data).metadata.author
