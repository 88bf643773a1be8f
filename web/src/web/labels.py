"""Words people read instead of the API's codes (issue 18: names and Chinese labels,
never raw codes). Each value is an English msgid the catalogue translates."""

from __future__ import annotations

from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return text


# SPEC D-02: the twelve document types, by type code.
DOCUMENT_TYPES: dict[str, str] = {
    "01": N_("Regulation"),
    "02": N_("Report"),
    "03": N_("Contract"),
    "04": N_("Notice"),
    "05": N_("Request"),
    "06": N_("Reply"),
    "07": N_("Minutes"),
    "08": N_("Plan"),
    "09": N_("Summary"),
    "10": N_("Letter"),
    "11": N_("Decision"),
    "12": N_("Other"),
}
# SPEC D-03 / X-03
SECURITY_CLASSES: dict[str, str] = {
    "public": N_("Public"),
    "internal": N_("Internal"),
    "confidential": N_("Confidential"),
    "secret": N_("Secret"),
}
RETENTION: dict[str, str] = {
    "10y": N_("10 years"),
    "30y": N_("30 years"),
    "permanent": N_("Permanent"),
}
PRIORITY: dict[str, str] = {
    "routine": N_("Routine"),
    "important": N_("Important"),
    "urgent": N_("Urgent"),
}
# SPEC D-04: colour label → (word, CSS class)
COLOURS: dict[str, str] = {
    "red": N_("Red (urgent)"),
    "blue": N_("Blue (important)"),
    "green": N_("Green (routine)"),
    "yellow": N_("Yellow (pending)"),
    "black": N_("Black (archived)"),
}
STATES: dict[str, str] = {
    "registered": N_("Registered"),
    "proposed_handling": N_("Awaiting proposed handling"),
    "circulating": N_("In circulation"),
    "archiving": N_("Awaiting archiving"),
    "archived": N_("Archived"),
    "open": N_("Open"),
    "done": N_("Done"),
    "pending": N_("Pending"),
    "skipped": N_("Skipped"),
    "in_progress": N_("In progress"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "returned": N_("Returned"),
    "withdrawn": N_("Withdrawn"),
    "pending_approval": N_("Awaiting approval"),
    "collected": N_("Collected"),
    "ordered": N_("Ordered"),
    "reimbursed": N_("Reimbursed"),
    "reported": N_("Reported"),
    "responded": N_("Responded"),
    "resolved": N_("Resolved"),
    "reopened": N_("Reopened"),
    "closed": N_("Closed"),
    "scheduled": N_("Scheduled"),
    "ended": N_("Ended"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Completed"),
    "delayed": N_("Delayed"),
    "awaiting_draft": N_("Awaiting the draft"),
    "submitted": N_("Submitted"),
    "not_applicable": N_("Not applicable"),
    "met": N_("Met"),
    "breached": N_("Breached"),
}
STEP_KINDS: dict[str, str] = {
    "register": N_("Registration"),
    "proposed_handling": N_("Proposed handling (拟办)"),
    "circulation": N_("Circulation (传阅)"),
    "archive": N_("Archiving"),
}
ACTIONS: dict[str, str] = {
    "started": N_("Started"),
    "step_opened": N_("Step opened"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "returned": N_("Returned"),
    "delegated": N_("Delegated"),
    "resubmitted": N_("Resubmitted"),
    "reminded": N_("Reminded"),
    "escalated": N_("Escalated"),
    "completed": N_("Completed"),
    "sealed": N_("Sealed"),
    "withdrawn": N_("Withdrawn"),
    "register": N_("Registered"),
    "complete_step": N_("Step completed"),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "return": N_("Return"),
    "delegate": N_("Delegate"),
    "submit": N_("Submitted"),
    "resubmit": N_("Resubmitted"),
    "withdraw": N_("Withdrawn"),
    "remind": N_("Reminded"),
    "escalate": N_("Escalated"),
}
MEETING_TYPES: dict[str, str] = {
    "decision": N_("Decision meeting"),
    "discussion": N_("Discussion meeting"),
    "report": N_("Report meeting"),
}
SEVERITY: dict[str, str] = {"minor": N_("Minor"), "major": N_("Major")}
EXPENSE_CATEGORIES: dict[str, str] = {
    "transport": N_("Transport"),
    "lodging": N_("Lodging"),
    "meals": N_("Meals"),
    "visa": N_("Visa"),
    "other": N_("Other"),
}
ROLES: dict[str, str] = {
    "employee": N_("Employee"),
    "secretariat": N_("Secretariat"),
    "finance": N_("Finance"),
    "office_director": N_("Office director"),
    "supervising_leader": N_("Supervising leader"),
    "leader": N_("Leader"),
    "hr": N_("HR"),
    "discipline": N_("Discipline"),
    "committee": N_("Committee"),
    "it_support": N_("IT support"),
    "employee_representative": N_("Employee representative"),
    "admin": N_("Administrator"),
}
TODO_KINDS: dict[str, str] = {
    "approval": N_("Approval"),
    "document": N_("Document"),
    "milestone": N_("Meeting preparation"),
    "action_item": N_("Action item"),
    "repair": N_("Repair"),
    "notice": N_("Notice"),
}

# Approval template step names (SPEC D-06), as the engine writes them.
APPROVAL_STEPS: dict[str, str] = {
    "archive review": N_("Archive review"),
    "archivist": N_("Archivist"),
    "department head": N_("Department head"),
    "destruction supervision": N_("Destruction supervision"),
    "finance review": N_("Finance review"),
    "head's superior": N_("The head's superior"),
    "human resources": N_("Human resources"),
    "office director": N_("Office director"),
    "performance committee": N_("Performance committee"),
    "review panel": N_("Review panel"),
    "secretariat check": N_("Secretariat check"),
    "supervising leader": N_("Supervising leader"),
    "green channel": N_("Green channel"),
}

TABLES: dict[str, dict[str, str]] = {
    "approval_step": APPROVAL_STEPS,
    "type": DOCUMENT_TYPES,
    "security": SECURITY_CLASSES,
    "retention": RETENTION,
    "priority": PRIORITY,
    "colour": COLOURS,
    "state": STATES,
    "step": STEP_KINDS,
    "action": ACTIONS,
    "meeting_type": MEETING_TYPES,
    "severity": SEVERITY,
    "expense": EXPENSE_CATEGORIES,
    "role": ROLES,
    "todo": TODO_KINDS,
}


def label(table: str, code: object) -> str:
    """The translated word for ``code``; the code itself only when nothing names it."""
    text = TABLES[table].get(str(code))
    return gettext(text) if text else str(code or "")


def template_name(name: str, language: str) -> str:
    """Names the services write as "中文 English" (templates, milestones): the half in
    the person's language."""
    chinese, _, english = name.partition(" ")
    if not english or not any("\u4e00" <= ch <= "\u9fff" for ch in chinese):
        return name
    if any("\u4e00" <= ch <= "\u9fff" for ch in english):
        return name
    return english[:1].upper() + english[1:] if language == "en" else chinese
