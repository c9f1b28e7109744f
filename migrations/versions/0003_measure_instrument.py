"""A measure may be a validated questionnaire the participant completes online.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instrument", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("instrument")
