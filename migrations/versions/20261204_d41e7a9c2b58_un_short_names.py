"""The UN's short names for five States whose qualifier the UN writes in brackets after the
name they are filed under ("Bolivia (Plurinational State of)", "Netherlands (Kingdom of
the)"), for States still stored under the earlier reading form (a name the secretariat gave
is kept).

Revision ID: d41e7a9c2b58
Revises: 9c3e5a7b1d20
Create Date: 2026-12-04 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d41e7a9c2b58"
down_revision: str | None = "9c3e5a7b1d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code: (the name stored until now, the UN's short name); written out here, as a migration
# must not change when the application's code does.
RENAMED = {
    "BOL": ("Plurinational State of Bolivia", "Bolivia (Plurinational State of)"),
    "IRN": ("Islamic Republic of Iran", "Iran (Islamic Republic of)"),
    "FSM": ("Federated States of Micronesia", "Micronesia (Federated States of)"),
    "VEN": ("Bolivarian Republic of Venezuela", "Venezuela (Bolivarian Republic of)"),
    "NLD": ("Netherlands", "Netherlands (Kingdom of the)"),
}

states = sa.table("states", sa.column("code", sa.String), sa.column("name", sa.String))


def _rename(to_un_name: bool) -> None:
    for code, (earlier, un_name) in RENAMED.items():
        old, new = (earlier, un_name) if to_un_name else (un_name, earlier)
        op.execute(states.update().where(states.c.code == code, states.c.name == old)
                   .values(name=new))


def upgrade() -> None:
    _rename(to_un_name=True)


def downgrade() -> None:
    _rename(to_un_name=False)
