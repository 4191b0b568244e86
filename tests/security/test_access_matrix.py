"""Access control, endpoint by endpoint: every rule of the URL map, for every actor, gives
the answer the matrix (tests/security/matrix.py) says: sign in, the page, 403 or 404."""

from __future__ import annotations

import pytest

from tests.security.matrix import (
    ACTORS,
    MATRIX,
    Actors,
    World,
    answer_of,
    methods_of,
    missing_rows,
    rule_for,
    rules,
    send,
    url_for_rule,
)


def test_every_endpoint_is_in_the_matrix(app):
    missing = missing_rows(app)
    assert not missing, (
        "These endpoints are not in the access matrix: " + ", ".join(missing) + ". Add a row "
        "for each to MATRIX in tests/security/matrix.py: how to build its URL for State A's "
        "objects and what each actor (anonymous, State A's focal point, contributor and "
        "observer, an administrator, State B's focal point) must get, per method.")
    known = {key for key, _rule in rules(app)}
    stale = sorted(set(MATRIX) - known)
    assert not stale, f"Rows for endpoints that no longer exist: {stale}; remove them."
    for key, rule in rules(app):
        row = MATRIX[key]
        assert set(row.expected) == set(methods_of(rule)), (
            f"{key}: the matrix lists {sorted(row.expected)}, the rule accepts "
            f"{methods_of(rule)}")
        for method, answers in row.expected.items():
            assert set(answers) == set(ACTORS), (key, method)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_actor_gets_what_the_matrix_says(app, key):
    world, actors = World(), Actors(app)
    rule = rule_for(app, key)
    row = MATRIX[key]
    url = url_for_rule(app, rule, row.args(world))
    got, expected = {}, {}
    # GET first, then the state-changing method, each actor in turn: those refused go
    # before those who may act, so a refusal is never explained by an earlier change.
    for method in sorted(row.expected, key=lambda m: m != "GET"):
        for actor in ACTORS:
            reply = send(actors.client(actor), method, url, row, world)
            got[f"{method} {actor}"] = answer_of(reply)
            expected[f"{method} {actor}"] = row.expected[method][actor]
    assert got == expected, f"{key}: {url}"
