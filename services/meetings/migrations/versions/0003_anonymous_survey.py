"""meetings: anonymous survey answers (M-07), survey totals time

Answers move from ``survey_responses`` (keyed by username, with a time) to
``survey_answers`` (a keyed hash of meeting and person, no name, no time).
Existing answers are carried over with their hash computed under the
service's survey key, so one answer per person still holds for surveys open
during the upgrade when the key comes from the same environment.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:50:00
"""

import os
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meetings.domain.effectiveness import respondent_key
from meetings.settings import survey_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("survey_totals_at", sa.DateTime(timezone=True), nullable=True)
        )
    answers = op.create_table(
        "survey_answers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("respondent_key", sa.String(length=64), nullable=False),
        sa.Column("agenda", sa.Integer(), nullable=False),
        sa.Column("materials", sa.Integer(), nullable=False),
        sa.Column("logistics", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "respondent_key", name="uq_survey_answers_respondent"),
    )
    key = survey_key(
        os.environ.get("SECRETARIAT_SURVEY_SECRET", ""),
        os.environ.get("SECRETARIAT_INTERNAL_TOKEN_SECRET", ""),
    )
    rows = op.get_bind().execute(
        sa.text(
            "SELECT meeting_id, username, agenda, materials, logistics, comment "
            "FROM survey_responses ORDER BY meeting_id, agenda, materials, logistics"
        )
    )
    carried = [
        {
            "id": str(uuid.uuid4()),
            "meeting_id": r.meeting_id,
            "respondent_key": respondent_key(key, r.meeting_id, r.username),
            "agenda": r.agenda,
            "materials": r.materials,
            "logistics": r.logistics,
            "comment": r.comment,
        }
        for r in rows
    ]
    if carried:
        op.bulk_insert(answers, carried)
    op.drop_table("survey_responses")


def downgrade() -> None:
    # The names cannot come back: the answers are anonymous now.
    op.create_table(
        "survey_responses",
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("agenda", sa.Integer(), nullable=False),
        sa.Column("materials", sa.Integer(), nullable=False),
        sa.Column("logistics", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.PrimaryKeyConstraint("meeting_id", "username"),
    )
    op.drop_table("survey_answers")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("survey_totals_at")
