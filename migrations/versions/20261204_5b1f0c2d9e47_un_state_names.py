"""The UN's names for the United Kingdom and the United States, in place of pycountry's
short forms, for States still stored under those (a name the secretariat gave is kept).

Revision ID: 5b1f0c2d9e47
Revises: 87121654783e
Create Date: 2026-12-04 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1f0c2d9e47"
down_revision: str | None = "87121654783e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code: (pycountry's short form, the UN's name); written out here, as a migration must not
# change when the application's code does.
RENAMED = {
    "GBR": ("United Kingdom", "United Kingdom of Great Britain and Northern Ireland"),
    "USA": ("United States", "United States of America"),
}

states = sa.table("states", sa.column("code", sa.String), sa.column("name", sa.String))


def _rename(to_un_name: bool) -> None:
    for code, (short, un_name) in RENAMED.items():
        old, new = (short, un_name) if to_un_name else (un_name, short)
        op.execute(states.update().where(states.c.code == code, states.c.name == old)
                   .values(name=new))


def upgrade() -> None:
    _rename(to_un_name=True)


def downgrade() -> None:
    _rename(to_un_name=False)
