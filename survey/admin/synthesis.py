"""The global synthesis of a cycle: how far States report having implemented each section
and paragraph, the technical assistance most requested in each regional group, and the
States that have submitted. A PDF made by the reports' machinery (survey.reports.pdf for
the locked-down rendering, survey.reports.charts for the bars).

Read in three queries whatever the number of States; by default only the responses the
States have signed off (submitted or accepted) count.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from survey.core.db import db, utcnow
from survey.core.i18n import RIGHT_TO_LEFT
from survey.core.labels import label
from survey.cycles.models import ReportingCycle
from survey.cycles.services import answered_clause
from survey.questionnaires.localized import localized
from survey.questionnaires.outline import Outline, SectionItem, outline_of
from survey.reports import pdf
from survey.reports.charts import Category, status_bar_svg
from survey.responses.models import Answer, Response, ResponseStatus
from survey.states.models import RegionalGroup, State
from survey.states.services import alphabetical_key, localized_name

UNANSWERED = "unanswered"
FINAL_STATUSES = (ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED)
NO_ASSISTANCE = "none"
TOP_RANKS = 3  # ranks of each group's most requested assistance shown


@dataclass(frozen=True)
class ParagraphStatus:
    number: int
    counts: tuple[int, ...]  # States at each status, in the order of Synthesis.categories


@dataclass(frozen=True)
class ChartRow:
    label: str  # written in HTML beside the bar, whole, over as many lines as it takes
    bar: Markup  # survey.reports.charts.status_bar_svg
    lang: str = ""  # the label's language, if it may not be the page's


@dataclass(frozen=True)
class BarChart:
    """Stacked bars the page lays out a row at a time, each beside its label; the chart's
    accessible name and description are on its figure."""

    title: str
    description: str
    rows: tuple[ChartRow, ...]


@dataclass(frozen=True)
class SectionStatus:
    key: str
    title: str
    anchor: str
    number_label: str
    paragraphs: tuple[ParagraphStatus, ...]
    # Paragraph answers (State × paragraph) at each status, over the section.
    counts: tuple[int, ...]
    chart: BarChart
    title_lang: str = ""  # the declaration's headings stay in English

    @property
    def heading(self) -> str:
        return f"{self.number_label}. {self.title}" if self.number_label else self.title


@dataclass(frozen=True)
class AssistanceNeed:
    value: str
    label: str
    lang: str  # the label's language
    states: tuple[int, ...]  # States asking for it at least once, per group (Synthesis.groups)
    group_requests: tuple[int, ...]  # paragraphs on which it was asked, per group

    @property
    def total_states(self) -> int:
        return sum(self.states)

    @property
    def requests(self) -> int:
        """Paragraphs on which it was asked, all States together."""
        return sum(self.group_requests)


@dataclass(frozen=True)
class RankedNeed:
    """A kind of assistance in a regional group's ranking."""

    rank: int  # 1 for the most requested; kinds requested as often share a rank
    label: str
    lang: str
    requests: int  # paragraphs on which the group's States asked for it: what it is ranked by
    states: int  # the group's States that asked for it


@dataclass(frozen=True)
class SignedOffState:
    code: str
    name: str
    regional_group: str
    status: str
    submitted_at: datetime | None


@dataclass
class Synthesis:
    title: str
    cycle_name: str
    cycle_slug: str
    version_number: int
    generated_at: datetime
    lang: str
    direction: str
    final_only: bool
    scope: str  # which responses it counts, in every page's running header
    participants: int  # States with a response in the cycle
    included: int  # of which counted here
    status_counts: tuple[tuple[str, int], ...]  # responses by status, all of them
    categories: tuple[Category, ...]
    category_langs: dict[str, str]  # each category's label's language, by key
    sections: tuple[SectionStatus, ...]
    overall_chart: BarChart
    groups: tuple[tuple[str, int], ...]  # (regional group label, States counted in it)
    assistance: tuple[AssistanceNeed, ...]  # most asked for first
    signed_off: tuple[SignedOffState, ...]
    page_label: tuple[str, str, str]

    @property
    def top_assistance_by_group(self) -> list[tuple[str, list[RankedNeed]]]:
        """For each group, the kinds of assistance of the first three ranks by requests
        (paragraphs on which its States asked for them). Not by States: nearly every State
        asks for every kind somewhere, and a ranking of equal counts would be alphabetical.
        Kinds requested as often share a rank (1, 1, 3), so there may be more than three;
        within a rank they are in alphabetical order."""
        result = []
        for index, (group, _count) in enumerate(self.groups):
            asked = sorted((need for need in self.assistance if need.group_requests[index]),
                           key=lambda need: (-need.group_requests[index],
                                             alphabetical_key(need.label)))
            ranked: list[RankedNeed] = []
            for position, need in enumerate(asked, start=1):
                requests = need.group_requests[index]
                tied = bool(ranked) and ranked[-1].requests == requests
                rank = ranked[-1].rank if tied else position
                if rank > TOP_RANKS:
                    break
                ranked.append(RankedNeed(rank, need.label, need.lang, requests,
                                         need.states[index]))
            result.append((group, ranked))
        return result


def _section_number(section: SectionItem) -> str:
    return section.key if re.fullmatch(r"[IVX]+(\.\d+)?", section.key) else ""


def build_synthesis(cycle: ReportingCycle, *, final_only: bool = True,
                    generated_at: datetime | None = None) -> Synthesis:
    """Everything the synthesis shows, from three queries.

    :param final_only: count only the responses signed off (submitted or accepted)
    """
    locale = str(get_locale() or "en")
    # The questionnaire's wording (statuses, kinds of assistance, section titles) as the
    # State's pages show it: the cycle's version, in the reader's language where the
    # catalogs translate it, in English, marked so, where they do not.
    outline = localized(outline_of(cycle.questionnaire_version), locale)
    rows = db.session.execute(
        sa.select(Response.id, Response.status, Response.submitted_at, State.code, State.name,
                  State.regional_group)
        .join(State, Response.state_id == State.id)
        .where(Response.cycle_id == cycle.id).order_by(State.name)).all()
    included = {r[0]: r for r in rows if not final_only or r[1] in FINAL_STATUSES}
    group_of = {response_id: r[5] for response_id, r in included.items()}

    status_keys = {f"p{p.number}.status": p.number for p in outline.paragraphs_by_number.values()
                   if f"p{p.number}.status" in outline.questions_by_key}
    assistance_keys = [k for k in (f"p{n}.assistance" for n in outline.paragraphs_by_number)
                       if k in outline.questions_by_key]
    chosen_status: dict[int, Counter[str]] = {n: Counter() for n in status_keys.values()}
    # The statuses as the version words them (an added status is counted, not "not answered").
    scale = {o.value: o for o in outline.status_scale()}
    assistance_states: dict[str, dict[RegionalGroup, set[int]]] = {}
    assistance_requests: dict[str, Counter[RegionalGroup]] = {}
    counted = sa.select(Response.id).where(Response.cycle_id == cycle.id)
    if final_only:
        counted = counted.where(Response.status.in_(FINAL_STATUSES))
    if status_keys and included:
        for _response_id, key, value in db.session.execute(
                sa.select(Answer.response_id, Answer.question_key, Answer.value).where(
                    Answer.response_id.in_(counted.scalar_subquery()),
                    Answer.question_key.in_(list(status_keys)), answered_clause())):
            if value in scale:
                chosen_status[status_keys[key]][value] += 1
    if assistance_keys and included:
        for response_id, _key, value in db.session.execute(
                sa.select(Answer.response_id, Answer.question_key, Answer.value).where(
                    Answer.response_id.in_(counted.scalar_subquery()),
                    Answer.question_key.in_(assistance_keys), answered_clause())):
            for need in value if isinstance(value, list) else [value]:
                if need == NO_ASSISTANCE or response_id not in group_of:
                    continue
                assistance_requests.setdefault(need, Counter())[group_of[response_id]] += 1
                assistance_states.setdefault(need, {}).setdefault(
                    group_of[response_id], set()).add(response_id)

    categories = (*(Category(value, option.label) for value, option in scale.items()),
                  Category(UNANSWERED, _("Not answered")))

    def paragraph_counts(number: int) -> tuple[int, ...]:
        counts = chosen_status[number]
        answered = sum(counts.values())
        return (*(counts[v] for v in scale), len(included) - answered)

    right_to_left = locale in RIGHT_TO_LEFT

    def row(label_text: str, counts: tuple[int, ...], lang: str = "") -> ChartRow:
        # Bars and digits only: the page writes the label and the legend in HTML beside
        # them (WeasyPrint's SVG text cannot shape Arabic; see survey/reports/charts.py).
        return ChartRow(label_text, status_bar_svg(counts, categories,
                                                   right_to_left=right_to_left), lang)

    sections = []
    for top in outline.sections:
        paragraphs = tuple(ParagraphStatus(p.number, paragraph_counts(p.number))
                           for p in top.all_paragraphs() if p.number in chosen_status)
        if not paragraphs:
            continue
        totals = tuple(sum(p.counts[i] for p in paragraphs) for i in range(len(categories)))
        chart = BarChart(
            _("States by implementation status, %(section)s", section=top.title),
            _("For each paragraph of the section, the number of States at each level of "
              "implementation; the same figures are in the table."),
            tuple(row(_("Paragraph %(n)d", n=p.number), p.counts) for p in paragraphs))
        sections.append(SectionStatus(top.key, top.title, top.anchor, _section_number(top),
                                      paragraphs, totals, chart, top.title_lang))
    overall = BarChart(
        _("Implementation status by section"),
        _("For each section, its paragraphs' statuses as reported by all the States counted "
          "(a State counts once per paragraph); the same figures are in the table."),
        tuple(row(s.heading, s.counts, s.title_lang) for s in sections))

    group_order = list(RegionalGroup)
    present = [g for g in group_order if any(v == g for v in group_of.values())]
    group_sizes = Counter(group_of.values())
    need_labels = _assistance_labels(outline, assistance_keys)
    assistance = sorted(
        (AssistanceNeed(value, *need_labels.get(value, (value, "")),
                        tuple(len(assistance_states[value].get(g, ())) for g in present),
                        tuple(assistance_requests[value][g] for g in present))
         for value in assistance_states),
        key=lambda need: (-need.total_states, -need.requests, alphabetical_key(need.label)))

    # Said on every page: a page printed or quoted alone must not pass for the other scope.
    if final_only:
        scope = ngettext("Submitted or accepted responses (%(n)d of %(num)d State)",
                         "Submitted or accepted responses (%(n)d of %(num)d States)",
                         len(rows), n=len(included))
    else:
        scope = ngettext("All responses, submitted or not (%(num)d State)",
                         "All responses, submitted or not (%(num)d States)", len(included))
    status_counts = Counter(r[1] for r in rows)
    page_format = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    before, _sep, rest = page_format.partition("\x00")
    middle, _sep, after = rest.partition("\x01")
    return Synthesis(
        title=_("Implementation of the Kyoto Declaration: global synthesis"),
        cycle_name=cycle.name, cycle_slug=cycle.slug,
        version_number=outline.version_number, generated_at=generated_at or utcnow(),
        lang=locale, direction="rtl" if locale in RIGHT_TO_LEFT else "ltr",
        final_only=final_only, scope=scope, participants=len(rows), included=len(included),
        status_counts=tuple((label(s), status_counts[s]) for s in ResponseStatus),
        categories=categories, sections=tuple(sections), overall_chart=overall,
        category_langs={value: option.lang for value, option in scale.items()},
        groups=tuple((label(g), group_sizes[g]) for g in present),
        assistance=tuple(assistance),
        signed_off=tuple(sorted(
            (SignedOffState(r[3], localized_name(r[3], r[4], locale), label(r[5]), label(r[1]),
                            r[2]) for r in rows if r[1] in FINAL_STATUSES),
            key=lambda state: alphabetical_key(state.name))),
        page_label=(before, middle, after))


def _assistance_labels(outline: Outline, keys: list[str]) -> dict[str, tuple[str, str]]:
    """Each kind of assistance's label and its language, by value."""
    labels: dict[str, tuple[str, str]] = {}
    for key in keys:
        for option in outline.questions_by_key[key].options:
            labels.setdefault(option.value, (option.label, option.lang))
    return labels


def synthesis_html(synthesis: Synthesis) -> str:
    """The synthesis as a standalone HTML document, as WeasyPrint lays it out."""
    return render_template("admin/synthesis_document.html", report=synthesis,
                           stylesheet_url=pdf.BASE_URL + "static/css/report.css")


def render_synthesis(cycle: ReportingCycle, *, final_only: bool = True,
                     isolated: bool = True) -> pdf.RenderedPdf:
    """The synthesis as a PDF.

    :param isolated: in a child process within the configured time and memory limits
        (for the web process); otherwise in this process
    :raises survey.reports.pdf.PdfRenderError: rendering failed (RenderTimeout: too long)
    """
    synthesis = build_synthesis(cycle, final_only=final_only)
    options: dict[str, Any] = {
        "title": f"{synthesis.title} — {synthesis.cycle_name}",
        "author": _("Secretariat"), "lang": synthesis.lang,
        "keywords": ["Kyoto Declaration", synthesis.cycle_name, "synthesis"],
    }
    html = synthesis_html(synthesis)
    if not isolated:
        return pdf.render_pdf(html, **options)
    settings = current_app.config["SURVEY"]
    return pdf.render_isolated(html, timeout=settings.REPORT_TIMEOUT_SECONDS,
                               memory_mb=settings.REPORT_MEMORY_MB, **options)


def synthesis_filename(cycle: ReportingCycle, final_only: bool) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", cycle.slug).strip("-") or "cycle"
    return f"kyoto-synthesis-{slug}{'' if final_only else '-including-drafts'}.pdf"
