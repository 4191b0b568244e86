"""Stored exports: the workbook and the global synthesis of a cycle, kept while its data is
unchanged, so that they are made once (in a worker, where Redis is configured).

Revision ID: 87121654783e
Revises: f4d6e358c314
Create Date: 2026-12-04 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "87121654783e"
down_revision: str | None = "f4d6e358c314"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "xlsx",
                "synthesis_final",
                "synthesis_all",
                name="exportkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["reporting_cycles.id"],
            name=op.f("fk_stored_exports_cycle_id_reporting_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_stored_exports_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_exports")),
        # Also the index by which a cycle's files are found (its columns come first).
        sa.UniqueConstraint(
            "cycle_id",
            "kind",
            "locale",
            "fingerprint",
            name=op.f("uq_stored_exports_cycle_id_kind_locale_fingerprint"),
        ),
    )


def downgrade() -> None:
    # Dropping the table drops its constraints on both databases; nothing else refers to it.
    op.drop_table("stored_exports")
