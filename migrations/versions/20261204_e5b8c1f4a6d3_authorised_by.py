"""The official who authorised a submission for the Government: name and title, recorded at
sign-off beside the focal point who submitted it.

Revision ID: e5b8c1f4a6d3
Revises: d41e7a9c2b58
Create Date: 2026-12-04 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b8c1f4a6d3"
down_revision: str | None = "d41e7a9c2b58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("authorised_by_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("authorised_by_title", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("authorised_by_title")
        batch.drop_column("authorised_by_name")
