"""The values an audit event stores before and after a change, as the audit trail shows them.

An event's ``before`` and ``after`` are JSON: a snapshot (a dict), a list, a value. The page
shows them as text people read, in their own characters ("Yılmaz Tunç", Arabic answers as
written), never as JSON escapes. A snapshot reads as "key: value" lines, the keys whose value
changed first and marked, so that a role change shows the role at once, whatever else the
snapshot holds. Long values are shortened, with the whole text one click away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Past this many characters a value is shortened on the page (the whole text stays there,
# folded).
SHORT_LENGTH = 200


@dataclass(frozen=True)
class ShownValue:
    """One value as the page shows it."""

    text: str
    # Made by the program (a number, true/false, nested JSON): read left to right whatever
    # the page's direction. Otherwise text people typed, in any language and script.
    code: bool = False
    empty: bool = False  # None: shown as a dash

    @property
    def short(self) -> str | None:
        """The beginning of a long text (None when it is short enough to show whole)."""
        if len(self.text) <= SHORT_LENGTH:
            return None
        return self.text[:SHORT_LENGTH].rstrip()


@dataclass(frozen=True)
class Line:
    """A key of a snapshot and its value (``key`` None: a value that is not a snapshot)."""

    key: str | None
    value: ShownValue
    changed: bool = False


@dataclass(frozen=True)
class Side:
    """What one column (before or after) shows: the changed lines first, then the others."""

    changed: list[Line]
    unchanged: list[Line]

    def __bool__(self) -> bool:
        return bool(self.changed or self.unchanged)


@dataclass(frozen=True)
class EventValues:
    before: Side
    after: Side


def shown(value: Any) -> ShownValue:
    if value is None:
        return ShownValue("—", empty=True)
    if isinstance(value, bool):
        return ShownValue("true" if value else "false", code=True)
    if isinstance(value, int | float):
        return ShownValue(str(value), code=True)
    if isinstance(value, str):
        return ShownValue(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ShownValue("; ".join(value)) if value else ShownValue("[]", code=True)
    # Nested structures stay JSON, but in their own characters.
    return ShownValue(json.dumps(value, ensure_ascii=False, sort_keys=True), code=True)


def _plain(value: Any) -> Side:
    if value is None:
        return Side([], [])
    if isinstance(value, dict):
        return Side([], [Line(str(key), shown(item)) for key, item in value.items()])
    return Side([], [Line(None, shown(value))])


def event_values(before: Any, after: Any) -> EventValues:
    """The two columns of an event: each snapshot's lines, those that differ first.

    Two snapshots are compared key by key, both columns in one order so that a changed line
    faces its other half; a key only one side has counts as changed (shown as a dash on the
    other). Anything else is shown as it is.
    """
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return EventValues(before=_plain(before), after=_plain(after))
    keys = [*after, *(key for key in before if key not in after)]
    differ = [key for key in keys if key not in before or key not in after
              or before[key] != after[key]]
    same = [key for key in keys if key not in differ]

    def side(snapshot: dict) -> Side:
        return Side(changed=[Line(str(k), shown(snapshot.get(k)), changed=True) for k in differ],
                    unchanged=[Line(str(k), shown(snapshot[k])) for k in same])

    return EventValues(before=side(before), after=side(after))
