"""certificates: what each certifies (its template's declared lines), for the public verification page

Revision ID: e5a1c3d7f9b2
Revises: d0b7c9e1f3a5
Create Date: 2026-12-06 10:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5a1c3d7f9b2'
down_revision = 'd0b7c9e1f3a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.add_column(sa.Column('summary', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.drop_column('summary')
