"""SPEC X-03 for approvals: each approval has a class by its template, and the
shared rule (:mod:`secretariat_shared.access`) decides who reads it.

Personal requests (leave, expense, appraisal appeal, job transfer) are
``confidential``: their participants (the requester and everyone who is or
was an approver or delegate on them) and HR read them, besides the class's
own audience (the requester's department head, its supervising leaders,
the top leadership, the confidential clerks). Overseers (secretariat,
discipline office, admins) list them with template, state, dates and
deadlines only (:func:`redacted`) and get 404 on the approval itself.

Other approvals are read, as before, by their participants and the
overseers only: in the shared rule's terms a named-readers-only audience
with the overseer roles as readers.
"""

from __future__ import annotations

from dataclasses import replace

from documents.domain.approvals.model import Approval
from secretariat_shared.access import Item, SecurityClass, Viewer, may_read
from secretariat_shared.roles import OVERSIGHT_ROLES, Role

PERSONAL_TEMPLATES = frozenset({"leave", "expense", "appraisal_appeal", "job_transfer"})
"""X-03: personal requests, confidential to the requester, their approvers and HR."""

PERSONAL_READER_ROLES = frozenset({Role.HR})
REDACTED_SUBJECT = "（个人申请，内容保密）"


def approval_class(template_key: str) -> SecurityClass:
    """The class an approval of ``template_key`` carries (X-03)."""
    return (
        SecurityClass.CONFIDENTIAL if template_key in PERSONAL_TEMPLATES else SecurityClass.SECRET
    )


def access_item(approval: Approval) -> Item:
    personal = approval.template in PERSONAL_TEMPLATES
    step = approval.current_step()
    return Item(
        security_class=approval_class(approval.template),
        department_code=approval.department_code,
        named_readers=frozenset(approval.participants()),
        step_owners=frozenset(step.waiting_on()) if step is not None else frozenset(),
        reader_roles=PERSONAL_READER_ROLES if personal else frozenset(OVERSIGHT_ROLES),
    )


def is_classified(approval: Approval) -> bool:
    """Reads of personal requests are recorded (X-04 "classified read")."""
    return approval.template in PERSONAL_TEMPLATES


def can_view(viewer: Viewer, approval: Approval) -> bool:
    """May ``viewer`` read ``approval`` (its subject, form and comments)?"""
    return may_read(viewer, access_item(approval))


def oversees(viewer: Viewer) -> bool:
    """Overseers list every approval, the ones they may not read without content."""
    return viewer.is_service or bool(OVERSIGHT_ROLES.intersection(viewer.roles))


def redacted(approval: Approval) -> Approval:
    """What an overseer's list shows of an approval they may not read: its
    template, state, people, dates and deadlines, never its content."""
    steps = [
        replace(
            step,
            decisions=[replace(d, comment="") for d in step.decisions],
        )
        for step in approval.steps
    ]
    return replace(
        approval,
        redacted=True,
        subject=REDACTED_SUBJECT,
        payload={},
        content="",
        steps=steps,
        history=[replace(h, comment="") for h in approval.history],
    )
