"""Who approves a step: rules resolved through the organisation (SPEC D-06, X-01).

Rules of the house apply on top of the template's rules:

- A requester never decides their own request, and nobody decides two
  levels of one revision (separation of duties, issue 13): both are
  dropped from a step's approvers, and a step left with nobody goes to the
  superior of the first one dropped (climbing past anyone also dropped),
  or, when nobody above them can, to the supervising leader of the
  requester's department.
- "Superior" rules climb from a step's *owner*, the person the rules
  named, never from the delegate or stand-in who decided for them.
- Out of office (D-09): a holder away when the step opens is stood in for
  by the delegate they named; the seat records "on behalf of". Stand-ins
  are followed (a delegate who is away too hands on to theirs) until
  someone present is found, never round in a circle, never to the
  requester nor to someone who took part in another level.
- Approvers of an open step follow the directory (:func:`seats_now`): the
  directory publishes no change events, so the engine resolves the rules
  again whenever it touches the step (a decision, a reminder, an
  escalation) and hands unapproved seats to whoever the rules name now.
- A step is delegated only to someone who can hold its level
  (:func:`level_refusal`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from documents.domain.approvals.model import (
    Approval,
    ApprovalStep,
    LevelCheck,
    NoApprover,
    Seat,
)
from documents.domain.approvals.templates import ApproverRule, RuleKind
from secretariat_shared.roles import Role

MAX_STAND_IN_HOPS = 5
MAX_SUPERIOR_HOPS = 10
LEADER_ROLES = (Role.SUPERVISING_LEADER, Role.LEADER)


class Organisation(Protocol):
    """The directory (X-01) and the absence register, as routing needs them."""

    def department_head(self, code: str) -> str:
        """The head's username, or "" when the department has none."""
        ...

    def supervising_leader(self, code: str) -> str: ...

    def superior_of(self, username: str) -> str: ...

    def department_of(self, username: str) -> str:
        """The person's department code, or "" (leaders, unknown people)."""
        ...

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
            owner = approval.previous_owner(step) or approval.requester
            boss = org.superior_of(owner)
            return [boss] if boss else [], f"{owner} has no superior"
    return [], f"unknown rule {rule.kind}"


def superiors(username: str, org: Organisation) -> list[str]:
    """The chain of superiors of ``username``, nearest first (cycles cut)."""
    chain: list[str] = []
    current = username
    for _ in range(MAX_SUPERIOR_HOPS):
        current = org.superior_of(current)
        if not current or current == username or current in chain:
            break
        chain.append(current)
    return chain


def _first_above(username: str, org: Organisation, skip: Collection[str]) -> str:
    """The nearest superior of ``username`` not in ``skip``, or ""."""
    return next((boss for boss in superiors(username, org) if boss not in skip), "")


def _excluded(approval: Approval, step: ApprovalStep) -> dict[str, str]:
    """Who may not hold ``step``: person → why."""
    why = {
        person: f"{person} already took part in step {level!r}"
        for person, level in approval.took_part_elsewhere(step).items()
    }
    why[approval.requester] = f"{approval.requester} would approve their own request"
    return why


def _named_holders(
    approval: Approval, step: ApprovalStep, org: Organisation
) -> list[tuple[str, int]]:
    """(holder, index of the rule that named them); raises NoApprover naming the gap."""
    named: dict[str, int] = {}
    gaps: list[str] = []
    for index, rule in enumerate(step.rules):
        found, gap = _rule_people(rule, approval, step, org)
        if not found:
            gaps.append(gap)
        for person in found:
            if person:
                named.setdefault(person, index)
    excluded = _excluded(approval, step)
    kept = [(p, i) for p, i in named.items() if p not in excluded]
    if not kept:
        for person, index in named.items():
            boss = _first_above(person, org, excluded)
            if boss:
                kept = [(boss, index)]
                break
            gaps.append(f"{excluded[person]} and nobody above them can take this step")
    if not kept and named:
        dept = approval.department_code
        leader = org.supervising_leader(dept) if dept else ""
        if leader and leader not in excluded:
            kept = [(leader, next(iter(named.values())))]
    if not kept:
        raise NoApprover(f"step {step.name!r} has no approver: " + "; ".join(gaps))
    return kept


def resolve_holders(approval: Approval, step: ApprovalStep, org: Organisation) -> list[str]:
    """The people whose approval ``step`` needs; raises NoApprover naming the gap."""
    return [person for person, _ in _named_holders(approval, step, org)]


def stand_in_for(
    username: str,
    org: Organisation,
    at: datetime,
    requester: str,
    skip: Collection[str] = (),
) -> str:
    """Who decides for ``username`` at ``at``: themselves, or the end of their chain of
    stand-ins; the chain never hands on to the requester nor to anyone in ``skip``."""
    current = username
    seen = {username}
    for _ in range(MAX_STAND_IN_HOPS):
        delegate = org.stand_in(current, at)
        if not delegate or delegate in seen or delegate == requester or delegate in skip:
            break
        seen.add(delegate)
        current = delegate
    return current


def _seat(
    approval: Approval, step: ApprovalStep, holder: str, rule: int, org: Organisation, at: datetime
) -> Seat:
    skip = approval.took_part_elsewhere(step)
    return Seat(
        holder=holder,
        deciders=[stand_in_for(holder, org, at, approval.requester, skip)],
        rule=rule,
    )


def seats_for(
    approval: Approval, step: ApprovalStep, org: Organisation, at: datetime
) -> list[Seat]:
    """SPEC D-06 rules, then D-09 absences: one seat per holder, decided by them or their stand-in."""
    return [
        _seat(approval, step, holder, rule, org, at)
        for holder, rule in _named_holders(approval, step, org)
    ]


def _escalation_target(
    approval: Approval, step: ApprovalStep, holder: str, org: Organisation, at: datetime
) -> str:
    skip = {holder, approval.requester, *approval.took_part_elsewhere(step)}
    superior = _first_above(holder, org, skip)
    if not superior:
        leader = org.supervising_leader(approval.department_code)
        superior = leader if leader and leader not in skip else ""
    return stand_in_for(superior, org, at, approval.requester, skip) if superior else ""


def escalation_targets(
    approval: Approval, step: ApprovalStep, org: Organisation, at: datetime
) -> dict[str, str]:
    """SPEC D-08: holder → the superior the step escalates to (X-01).

    A holder without a superior escalates to the supervising leader of the
    requester's department, unless that is the holder themselves; nobody
    who took part in another level is escalated to (the chain climbs past
    them); the superior's own absence is honoured like anyone's.
    """
    targets: dict[str, str] = {}
    for seat in step.seats:
        if seat.approved:
            continue
        superior = _escalation_target(approval, step, seat.holder, org, at)
        if superior:
            targets[seat.holder] = superior
    return targets


def seats_now(
    approval: Approval, step: ApprovalStep, org: Organisation, at: datetime
) -> list[Seat] | None:
    """X-01: the seats of the open ``step`` as its rules resolve now, or None when
    nobody changed (or the rules name nobody now: the step then stays as it is).

    A seat not yet approved whose holder the rules no longer name is dropped
    (with any delegation it carried: that came from the old holder); whoever
    the rules name now gets a seat, with their stand-in if they are away,
    and their superior too if the step was already escalated. Approved
    seats stand, and the level an approved seat answered (its rule) is not
    asked again of the holder's successor.
    """
    if not step.is_open:
        return None
    try:
        named = _named_holders(approval, step, org)
    except NoApprover:
        return None
    names = {person for person, _ in named}
    kept = [s for s in step.seats if s.approved or s.holder in names]
    held = {s.holder for s in kept}
    answered = {s.rule for s in step.seats if s.approved and s.holder not in names and s.rule >= 0}
    added = [
        _seat(approval, step, person, rule, org, at)
        for person, rule in named
        if person not in held and rule not in answered
    ]
    if not added and len(kept) == len(step.seats):
        return None
    if step.escalated:
        for seat in added:
            superior = _escalation_target(approval, step, seat.holder, org, at)
            if superior and superior not in seat.deciders:
                seat.deciders.append(superior)
    return kept + added


def _holds_by_standing(rule: ApproverRule, person: str, owner: str, org: Organisation) -> str:
    """What ``rule`` needs that ``person`` lacks on their own standing; empty when they have it."""
    match rule.kind:
        case RuleKind.ROLE:
            if person in org.role_holders(rule.role):
                return ""
            return f"holds the role {rule.role}"
        case RuleKind.SUPERVISING_LEADER:
            if any(person in org.role_holders(role) for role in LEADER_ROLES):
                return ""
            return "is a supervising leader"
        case RuleKind.REQUESTER_DEPARTMENT_HEAD:
            dept = org.department_of(person)
            heads = bool(dept) and org.department_head(dept) == person
            if heads and owner not in superiors(person, org):
                return ""
            return f"heads a department and is not below {owner}"
    boss = org.superior_of(owner)
    if boss and org.superior_of(person) == boss:
        return ""
    return f"reports to the same superior as {owner}"


def outranks(person: str, owner: str, org: Organisation) -> bool:
    """``person`` is above ``owner``: in their chain of superiors, or the supervising
    leader of their department or above that leader."""
    if person in superiors(owner, org):
        return True
    dept = org.department_of(owner)
    leader = org.supervising_leader(dept) if dept else ""
    return (
        bool(leader) and leader != owner and (person == leader or person in superiors(leader, org))
    )


def level_refusal(approval: Approval, step: ApprovalStep, org: Organisation) -> LevelCheck:
    """Who can hold a seat's level, for delegation (issue 13).

    A person can hold the level of a seat when they are above its owner
    (:func:`outranks`), or stand where the rule that named the owner needs
    on their own: for a role, they hold the role; for the department head,
    they head a department and are not below the owner; for the
    supervising leader, they are a supervising or top leader; for a named
    person or someone's superior, they report to the owner's superior (a
    peer). So a head cannot hand a head's step to his own subordinate.
    """

    def refusal(person: str, seat: Seat) -> str:
        owner = seat.holder
        if outranks(person, owner, org):
            return ""
        rules = [step.rules[seat.rule]] if 0 <= seat.rule < len(step.rules) else list(step.rules)
        needs: list[str] = []
        for rule in rules:
            need = _holds_by_standing(rule, person, owner, org)
            if not need:
                return ""
            needs.append(need)
        return (
            f"{person} cannot hold step {step.name!r} for {owner}: it needs someone who "
            + " or ".join(dict.fromkeys(needs))
            + f", or someone above {owner}"
        )

    return refusal
