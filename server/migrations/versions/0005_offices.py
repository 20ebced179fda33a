"""offices: the province and kabupaten/kota offices; users, campaigns and jobs belong to one;
jobs cancelled before "cancelled" was a state of its own get it

Existing installations move everyone into the provincial office. Its code is the province
of the readings already stored (the first part of their Kemendagri village codes), or "13"
(Sumatera Barat) when there are none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:10:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("users", "campaigns", "jobs")


def _province_code(bind: sa.engine.Connection) -> str:
    """The province of the stored readings ("13" when nothing says otherwise)."""
    code = bind.execute(
        sa.text(
            "SELECT village_code FROM measurements WHERE village_code LIKE '__.%' "
            "GROUP BY village_code ORDER BY count(*) DESC LIMIT 1"
        )
    ).scalar()
    first = str(code or "").split(".")[0]
    return first if len(first) == 2 and first.isdigit() else "13"


def upgrade() -> None:
    offices = op.create_table(
        "offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
            batch_op.create_index(f"ix_{table}_office_id", ["office_id"], unique=False)
            batch_op.create_foreign_key(f"fk_{table}_office", "offices", ["office_id"], ["id"])

    from server.office_names import province_office_name

    bind = op.get_bind()
    code = _province_code(bind)
    op.bulk_insert(
        offices,
        [
            {
                "id": 1,
                "code": code,
                "name": province_office_name(code),
                "created_at": datetime.now(UTC),
            }
        ],
    )
    op.execute("UPDATE users SET office_id = 1 WHERE role IN ('admin', 'officer')")
    op.execute("UPDATE campaigns SET office_id = 1")
    op.execute("UPDATE jobs SET office_id = 1")
    # jobs cancelled before "cancelled" was a state of its own were stored as failed
    op.execute(
        "UPDATE jobs SET state = 'cancelled' "
        "WHERE state = 'failed' AND message LIKE 'cancelled by %'"
    )
    if bind.dialect.name == "postgresql":  # the explicit id 1 must not collide with the next
        op.execute("SELECT setval(pg_get_serial_sequence('offices', 'id'), 1)")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_office", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_office_id")
            batch_op.drop_column("office_id")
    op.drop_table("offices")
