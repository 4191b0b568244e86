"""Loading the UN Member States."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources

import pycountry
import sqlalchemy as sa

from survey.core.db import db
from survey.states.models import ParticipantKind, RegionalGroup, State


@dataclass(frozen=True)
class MemberState:
    code: str
    name: str
    regional_group: RegionalGroup


def display_name(code: str) -> str:
    """pycountry's name, with its index form turned round for reading:
    "Korea, Republic of" becomes "Republic of Korea"."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ValueError(f"unknown ISO 3166-1 alpha-3 code {code!r}")
    name = country.name
    match = re.fullmatch(r"(?P<short>[^,]+), (?:The )?(?P<qualifier>.+ of(?: the)?)", name)
    return f"{match['qualifier']} {match['short']}" if match else name


def member_states() -> list[MemberState]:
    """The 193 Member States, from the list kept in the repository."""
    text = resources.files("survey.states").joinpath("data/un_member_states.csv").read_text(
        encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return [MemberState(row["code"], display_name(row["code"]),
                        RegionalGroup(row["regional_group"])) for row in rows]


def load_member_states() -> int:
    """Add the Member States that are missing; returns how many were added."""
    existing = set(db.session.scalars(sa.select(State.code)))
    added = 0
    for member in member_states():
        if member.code not in existing:
            db.session.add(State(code=member.code, name=member.name,
                                 regional_group=member.regional_group,
                                 kind=ParticipantKind.MEMBER_STATE))
            added += 1
    db.session.flush()
    return added
