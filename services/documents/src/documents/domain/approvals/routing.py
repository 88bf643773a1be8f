"""Who approves a step: rules resolved through the organisation (SPEC D-06, X-01).

Two rules of the house apply on top of the template's rules:

- A requester never decides their own request: they are dropped from a
  step's approvers, and a step left with nobody goes to the requester's
  superior.
- Out of office (D-09): a holder away when the step opens is stood in for
  by the delegate they named; the seat records "on behalf of". Stand-ins
  are followed (a delegate who is away too hands on to theirs) until
  someone present is found, never round in a circle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from documents.domain.approvals.model import Approval, ApprovalStep, NoApprover, Seat
from documents.domain.approvals.templates import ApproverRule, RuleKind

MAX_STAND_IN_HOPS = 5


class Organisation(Protocol):
    """The directory (X-01) and the absence register, as routing needs them."""

    def department_head(self, code: str) -> str:
        """The head's username, or "" when the department has none."""
        ...

    def supervising_leader(self, code: str) -> str: ...

    def superior_of(self, username: str) -> str: ...

    def role_holders(self, role: str) -> list[str]: ...

    def exists(self, username: str) -> bool: ...

    def stand_in(self, username: str, at: datetime) -> str:
        """The delegate of ``username`` if they are away at ``at``, else ""."""
        ...


def _rule_people(
    rule: ApproverRule, approval: Approval, step: ApprovalStep, org: Organisation
) -> tuple[list[str], str]:
    """The people a rule names, and why nobody when it names nobody."""
    dept = approval.department_code
    match rule.kind:
        case RuleKind.REQUESTER_DEPARTMENT_HEAD:
            head = org.department_head(dept) if dept else ""
            return [
                head
            ] if head else [], f"the requester's department {dept or '(none)'} has no head"
        case RuleKind.SUPERVISING_LEADER:
            leader = org.supervising_leader(dept) if dept else ""
            return (
                [leader] if leader else [],
                f"the requester's department {dept or '(none)'} has no supervising leader",
            )
        case RuleKind.ROLE:
            return org.role_holders(rule.role), f"nobody holds the role {rule.role}"
        case RuleKind.PERSON:
            ok = bool(rule.username) and org.exists(rule.username)
            return [
                rule.username
            ] if ok else [], f"{rule.username or '(nobody)'} is not in the directory"
        case RuleKind.REQUESTER_SUPERIOR:
            boss = org.superior_of(approval.requester)
            return [boss] if boss else [], f"{approval.requester} has no superior"
        case RuleKind.PREVIOUS_APPROVER_SUPERIOR:
            previous = approval.previous_approver(step) or approval.requester
            boss = org.superior_of(previous)
            return [boss] if boss else [], f"{previous} has no superior"
    return [], f"unknown rule {rule.kind}"


def resolve_holders(approval: Approval, step: ApprovalStep, org: Organisation) -> list[str]:
    """The people whose approval ``step`` needs; raises NoApprover naming the gap."""
    people: list[str] = []
    gaps: list[str] = []
    for rule in step.rules:
        found, gap = _rule_people(rule, approval, step, org)
        if not found:
            gaps.append(gap)
        people.extend(found)
    people = list(dict.fromkeys(p for p in people if p))
    if approval.requester in people:
        people.remove(approval.requester)
        if not people:
            boss = org.superior_of(approval.requester)
            if boss:
                people = [boss]
            else:
                gaps.append(f"{approval.requester} would approve their own request")
    if not people:
        raise NoApprover(f"step {step.name!r} has no approver: " + "; ".join(gaps))
    return people


def stand_in_for(username: str, org: Organisation, at: datetime, requester: str) -> str:
    """Who decides for ``username`` at ``at``: themselves, or the end of their chain of stand-ins."""
    current = username
    seen = {username}
    for _ in range(MAX_STAND_IN_HOPS):
        delegate = org.stand_in(current, at)
        if not delegate or delegate in seen or delegate == requester:
            break
        seen.add(delegate)
        current = delegate
    return current


def seats_for(
    approval: Approval, step: ApprovalStep, org: Organisation, at: datetime
) -> list[Seat]:
    """SPEC D-06 rules, then D-09 absences: one seat per holder, decided by them or their stand-in."""
    return [
        Seat(holder=holder, deciders=[stand_in_for(holder, org, at, approval.requester)])
        for holder in resolve_holders(approval, step, org)
    ]


def escalation_targets(
    approval: Approval, step: ApprovalStep, org: Organisation, at: datetime
) -> dict[str, str]:
    """SPEC D-08: holder → the superior the step escalates to (X-01).

    A holder without a superior escalates to the supervising leader of the
    requester's department, unless that is the holder themselves; the
    superior's own absence is honoured like anyone's.
    """
    targets: dict[str, str] = {}
    for seat in step.seats:
        if seat.approved:
            continue
        superior = org.superior_of(seat.holder)
        if not superior or superior == seat.holder:
            leader = org.supervising_leader(approval.department_code)
            superior = leader if leader != seat.holder else ""
        if superior:
            targets[seat.holder] = stand_in_for(superior, org, at, approval.requester)
    return targets
