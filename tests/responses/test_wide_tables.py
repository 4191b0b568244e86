"""Tables wider than a phone (the dashboard's progress, the team) scroll inside a region of
their own, which the keyboard can reach and scroll, not the whole page."""

import re

from tests.conftest import login, response_of


def test_wide_tables_scroll_in_a_region_reached_with_the_keyboard(client, make_user):
    """On a phone the dashboard's and the team's tables scroll inside a labelled region
    that takes the focus, not the whole page (WCAG 1.4.10, 2.1.1)."""
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    login(client, focal_point)
    for path in (f"/responses/{response.id}", f"/responses/{response.id}/team"):
        html = client.get(path).get_data(as_text=True)
        region = re.search(r'<div class="table-scroll"([^>]*)>\s*<table', html)
        assert region, f"{path}: the table is not in a scrolling region"
        assert 'tabindex="0"' in region[1] and 'role="region"' in region[1]
        assert re.search(r'aria-label="[^"]+"', region[1])
