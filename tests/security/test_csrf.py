"""Every state-changing request needs the CSRF token: without it, 400 and nothing changes.

The requests are those of the access matrix (tests/security/matrix.py), sent by an actor the
matrix lets through, so the refusal can only come from the missing token; the same request
with the token then reaches the view, as the matrix says.
"""

from __future__ import annotations

import pytest

from survey.core.db import db
from tests.conftest import page_text
from tests.security.matrix import (
    ACTORS,
    MATRIX,
    STATE_CHANGING,
    Actors,
    World,
    answer_of,
    reached,
    rule_for,
    send,
    table_rows,
    url_for_rule,
)

CSRF_MESSAGE = "Your form has expired or was sent from another site"

STATE_CHANGING_ROWS = sorted(key for key, row in MATRIX.items()
                             if any(method in STATE_CHANGING for method in row.expected))


def test_the_matrix_covers_every_state_changing_rule(app):
    from tests.security.matrix import methods_of, rules

    found = sorted(key for key, rule in rules(app)
                   if any(method in STATE_CHANGING for method in methods_of(rule)))
    assert found == STATE_CHANGING_ROWS
    assert "responses.autosave" in found


def actors_who_reach(expected: dict) -> list[str]:
    """A signed-in actor the matrix lets through (the first with the right role), and the
    anonymous visitor too where the page is public."""
    signed_in = [a for a in ACTORS if a != "anonymous" and reached(expected[a])]
    chosen = signed_in[:1]
    if reached(expected["anonymous"]):
        chosen.append("anonymous")
    assert chosen, "nobody may send this request: no CSRF check to test"
    return chosen


@pytest.mark.parametrize("key", STATE_CHANGING_ROWS)
def test_without_the_token_the_request_is_refused_and_changes_nothing(app, key):
    world, actors = World(), Actors(app)
    row = MATRIX[key]
    url = url_for_rule(app, rule_for(app, key), row.args(world))
    for method in (m for m in row.expected if m in STATE_CHANGING):
        for actor in actors_who_reach(row.expected[method]):
            client = actors.client(actor)
            before = table_rows(db.session)
            refused = send(client, method, url, row, world, csrf=False)
            assert refused.status_code == 400, (key, method, actor, refused.status_code)
            if refused.is_json:
                assert CSRF_MESSAGE in refused.get_json()["message"]
            else:
                assert CSRF_MESSAGE in page_text(refused)
            assert table_rows(db.session) == before, f"{key}: a refused request changed data"

            accepted = send(client, method, url, row, world)
            assert answer_of(accepted) == row.expected[method][actor], (key, method, actor)


def test_a_token_from_another_session_is_refused(app, make_user):
    """A token is bound to the session it was issued for: one read from another user's page
    does not work."""
    world, actors = World(), Actors(app)
    row = MATRIX["responses.autosave"]
    url = url_for_rule(app, rule_for(app, "responses.autosave"), row.args(world))
    mine, theirs = actors.client("focal_point"), actors.client("contributor")
    stolen = theirs.csrf_token()
    before = table_rows(db.session)
    refused = mine.post(url, json=row.body(world), headers={"X-CSRFToken": stolen}, csrf=False)
    assert refused.status_code == 400
    assert table_rows(db.session) == before
