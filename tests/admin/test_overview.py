"""The overview of a cycle: one row per State, filters, sorting, the status chart, and a
constant number of queries whatever the number of States."""

from __future__ import annotations

import re
from contextlib import contextmanager
from html import unescape

import pytest
import sqlalchemy as sa

from survey.admin import progress as overview
from survey.admin.services import add_participant
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.responses import services
from survey.responses.services import submit
from survey.states.models import ParticipantKind, RegionalGroup
from tests.admin.conftest import save
from tests.conftest import page_text, response_of
from tests.responses.helpers import complete


@contextmanager
def counting_statements(app):
    """Count the SQL statements sent while the block runs."""
    statements: list[str] = []
    engine = app.extensions["survey.db"].engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_progress_matches_what_each_state_sees(make_user):
    japan, france = make_user("focal_point", "JPN"), make_user("focal_point", "FRA")
    # Measures are required only where the status is fully, largely or partially implemented.
    save(response_of("JPN"), japan, {"p22.status": "fully", "p23.status": "not_yet",
                                     "general.coordinating_institution": "Ministry"})
    save(response_of("FRA"), france, {"p22.status": "largely", "p22.measures": "Act 12.",
                                      "p24.status": ""})
    rows = {row.code: row for row in overview.cycle_progress(current_cycle())}
    assert len(rows) == 193
    for code in ("JPN", "FRA", "BRA"):
        response = response_of(code)
        outline = services.outline_for(response)
        sections = services.progress(outline, services.answer_values(response))
        assert (rows[code].required, rows[code].required_answered) == (
            sum(s.required for s in sections), sum(s.required_answered for s in sections)), code
        # One State's row alone (a reminder to that State) is the same row.
        assert overview.cycle_progress(current_cycle(), response.id) == [rows[code]], code
        assert rows[code].deadline == response.deadline
    assert rows["JPN"].required == rows["BRA"].required + 1  # p22.measures, now required
    assert rows["JPN"].focal_points == (japan.display_name,)
    assert rows["JPN"].last_activity_by == japan.display_name


def test_the_overview_page_filters_sorts_and_charts(client, admin, make_user):
    focal_point = make_user("focal_point", "JPN")
    save(response_of("JPN"), focal_point, {"p22.status": "fully"})
    page = client.get("/admin/")
    assert page.status_code == 200
    text = page_text(page)
    assert "193 States shown of 193" in text
    assert "Not started 192" in text and "In progress 1" in text  # the numbers beside the chart
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html
    assert f'href="/admin/responses/{response_of("JPN").id}"' in html

    only = page_text(client.get("/admin/?status=in_progress"))
    assert "1 State shown of 193" in only and "Japan" in only and "France" not in only

    african = page_text(client.get("/admin/?group=african&sort=name&order=desc"))
    assert "Zimbabwe" in african and "Japan" not in african
    assert african.index("Zimbabwe") < african.index("Algeria")

    by_progress = client.get("/admin/?sort=progress&order=desc").get_data(as_text=True)
    table = by_progress[by_progress.index('class="states-table"'):]
    first_row = re.search(r'<tbody>.*?<th scope="row"><a [^>]*>([^<]+)</a>', table, re.S)
    assert first_row.group(1) == "Japan"
    assert 'aria-sort="descending"' in by_progress

    bad = client.get("/admin/?status=nonsense")
    assert bad.status_code == 200 and "193 States shown" in page_text(bad)


def test_the_overview_shows_the_states_with_or_without_an_active_focal_point(
        client, admin, make_user):
    make_user("focal_point", "JPN", name="Aiko Tanaka")
    make_user("contributor", "KEN")  # not a focal point
    departed = make_user("focal_point", "FRA")
    departed.is_active = False
    db.session.commit()

    with_one = page_text(client.get("/admin/?focal_point=with"))
    assert "1 State shown of 193" in with_one and "Aiko Tanaka" in with_one
    without = client.get("/admin/?focal_point=without&group=african")
    text = page_text(without)
    assert "Kenya" in text and "Japan" not in text
    assert re.search(r"\d+ States shown of 193", text)
    # Each with its invitation a click away; sorting keeps the filter.
    html = without.get_data(as_text=True)
    assert 'href="/admin/users/invite?state=KEN"' in html
    assert "focal_point=without" in re.search(r'<th scope="col"[^>]*>\s*<a href="([^"]+)"',
                                              html).group(1)
    everyone = page_text(client.get("/admin/?focal_point=without"))
    assert "192 States shown of 193" in everyone and "France" in everyone


def test_the_overview_takes_a_constant_number_of_queries(app, client, admin, make_user):
    client.get("/admin/")  # the questionnaire's outline is read once per process
    with counting_statements(app) as before:
        assert client.get("/admin/").status_code == 200

    # More States, with answers, users and activity: the same number of statements.
    for code in ("VAT", "PSE", "ATA"):
        add_participant(code, ParticipantKind.OBSERVER_STATE, RegionalGroup.NONE, actor=admin)
    db.session.commit()
    for code in ("VAT", "PSE", "ATA", "JPN", "FRA", "KEN"):
        user = make_user("focal_point", code)
        save(response_of(code), user, {"p22.status": "partially", "p22.measures": "Law",
                                       "p30.status": "fully", "general.priority_actions": "x"})
    with counting_statements(app) as after:
        page = client.get("/admin/")
    assert "196 States shown of 196" in page_text(page)
    assert len(after) == len(before), "\n".join(after)
    assert len(after) < 20


def test_submitted_and_accepted_states_are_counted(client, admin, make_user):
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    complete(response, focal_point)
    submit(response, actor=focal_point)
    db.session.commit()
    rows = {r.code: r for r in overview.cycle_progress(current_cycle())}
    assert rows["JPN"].percent == 100
    counts = dict(overview.status_counts(rows.values()))
    assert counts[response.status] == 1
    assert "Submitted 1" in page_text(client.get("/admin/"))


def test_in_french_the_overview_names_and_sorts_the_states_in_french(client, admin):
    admin.locale = "fr"
    db.session.commit()
    html = client.get("/admin/?group=western_european_others").get_data(as_text=True)
    assert ">Allemagne</a>" in html and ">Germany</a>" not in html
    assert 'aria-label="Allemagne\u00a0: réponse donnée à 0 des ' in html
    names = [unescape(name) for name in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)]
    assert names.index("Allemagne") < names.index("Autriche") < names.index("Espagne") \
        < names.index("États-Unis d'Amérique") \
        < names.index("Royaume-Uni de Grande-Bretagne et d'Irlande du Nord")


def chart_of(html: str) -> tuple[str, list[tuple[float, str]], list[tuple[float, float]],
                                 list[float]]:
    """The status chart's opening tag, its labels (x, text), bars (x, width) and counts' x."""
    svg = re.search(r'<svg class="status-chart".*?</svg>', html, re.S).group(0)
    labels = [(float(x), unescape(text)) for x, text in re.findall(
        r'<text x="([\d.]+)"[^>]*class="status-chart__label">([^<]+)</text>', svg)]
    bars = [(float(x), float(width)) for x, width in re.findall(
        r'<rect x="([\d.]+)"[^>]*width="([\d.]+)"', svg)]
    counts = [float(x) for x in re.findall(
        r'<text x="([\d.]+)"[^>]*class="status-chart__value"', svg)]
    return svg[:svg.index(">")], labels, bars, counts


def test_in_arabic_the_status_chart_is_drawn_right_to_left(client, admin, make_user):
    from flask_babel import force_locale

    from survey.core.labels import label
    from survey.responses.models import ResponseStatus

    save(response_of("JPN"), make_user("focal_point", "JPN"), {"p22.status": "fully"})
    _tag, labels, bars, counts = chart_of(client.get("/admin/").get_data(as_text=True))
    assert {x for x, _text in labels} == {0}  # left to right: labels on the left
    assert all(x == 230 for x, _width in bars)
    assert counts == [pytest.approx(236 + width) for _x, width in bars]

    admin.locale = "ar"
    db.session.commit()
    tag, labels, bars, counts = chart_of(client.get("/admin/").get_data(as_text=True))
    assert 'direction="rtl"' in tag
    with force_locale("ar"):
        assert labels[0][1] == label(ResponseStatus.NOT_STARTED)
    # Mirrored: each label starts at the right edge (its text runs leftwards, in view), every
    # bar ends where the labels' column begins, and each count sits beyond its bar's end.
    assert {x for x, _text in labels} == {640}
    assert [x + width for x, width in bars] == [pytest.approx(410)] * len(bars)
    assert bars[0][1] > 300 and bars[1][1] > 0  # 192 not started, 1 in progress
    assert counts == [pytest.approx(x - 6) for x, _width in bars]


def test_in_arabic_the_cycle_name_keeps_its_own_direction(client, admin):
    admin.locale = "ar"
    db.session.commit()
    cycle = current_cycle()
    html = client.get("/admin/").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert heading.endswith(f": <bdi>{cycle.name}</bdi>")
    option = re.search(rf'<option [^>]*value="{cycle.id}"[^>]*>', html).group(0)
    assert 'dir="auto"' in option
