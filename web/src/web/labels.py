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
    "published": N_("Published"),
    "filed": N_("Filed"),
    "under_review": N_("Under review"),
    "upheld": N_("Upheld"),
    "in_training": N_("In training"),
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
    "loan": N_("Archive loan"),
    "info": N_("Information item"),
    "rating": N_("Rating to give"),
}

# Archives (SPEC A-01..A-05)
LOAN_STATES: dict[str, str] = {
    "pending": N_("Awaiting approval"),
    "approved": N_("Approved, to collect"),
    "rejected": N_("Rejected"),
    "out": N_("On loan"),
    "returned": N_("Returned"),
}
RECORD_STATES: dict[str, str] = {"active": N_("Kept"), "destroyed": N_("Destroyed")}
CLIMATE_CAUSES: dict[str, str] = {
    "temperature": N_("Temperature out of range"),
    "humidity": N_("Humidity out of range"),
    "both": N_("Temperature and humidity out of range"),
}
CHECK_RESULTS: dict[str, str] = {
    "present": N_("Present"),
    "missing": N_("Missing"),
    "damaged": N_("Damaged"),
    "unchecked": N_("Not checked yet"),
}
# The information hub (SPEC I-01..I-06)
INFO_CHANNELS: dict[str, str] = {
    "internal": N_("Internal channel"),
    "external": N_("External channel"),
    "special": N_("Special channel"),
}
INFO_SOURCES: dict[str, str] = {
    "weekly_report": N_("Department weekly report"),
    "monthly_review": N_("Monthly review"),
    "suggestion": N_("Suggestion box"),
    "industry_brief": N_("Industry brief"),
    "customer_feedback": N_("Customer feedback"),
    "public_opinion": N_("Public opinion monitoring"),
    "project_daily_report": N_("Project officer's daily report"),
}
INFO_STATUSES: dict[str, str] = {
    "submitted": N_("Awaiting triage"),
    "triaged": N_("Awaiting screening"),
    "screened": N_("Awaiting verification"),
    "verified": N_("Awaiting distilling"),
    "distilled": N_("Reviewed"),
    "queued": N_("Queued for the bulletin"),
    "delivered": N_("Delivered to leaders"),
    "published": N_("Published in the bulletin"),
    "dropped": N_("Dropped"),
    "merged": N_("Merged"),
}
IMPORTANCE: dict[str, str] = {"important": N_("Important"), "routine": N_("Routine")}
URGENCY: dict[str, str] = {"urgent": N_("Urgent"), "normal": N_("Not urgent")}
REVIEW_STAGES: dict[str, str] = {
    "screen": N_("Screening"),
    "verify": N_("Verification"),
    "distil": N_("Distilling"),
}
REVIEW_DECISIONS: dict[str, str] = {
    "keep": N_("Keep"),
    "drop": N_("Drop"),
    "merge": N_("Merge"),
    "pass": N_("Passed"),
}
# Kinds of notice a person may choose the delivery of (infohub preferences).
NOTICE_KINDS: dict[str, str] = {
    "info_item": N_("Information items"),
    "info_item_published": N_("Published information"),
    "info_bulletin": N_("The daily bulletin"),
    "info_action_assigned": N_("Actions assigned to me"),
    "document_step_assigned": N_("Document steps assigned to me"),
    "meeting_notice": N_("Meeting notices"),
    "archive_loan_due": N_("Archive loans falling due"),
    "performance_result_published": N_("Performance results"),
    "mentorship_assigned": N_("Mentoring"),
}
DELIVERY: dict[str, str] = {"immediate": N_("At once"), "digest": N_("Daily digest")}
# Performance (SPEC P-*)
CYCLE_KINDS: dict[str, str] = {
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "annual": N_("Annual"),
}
CYCLE_STATES: dict[str, str] = {"open": N_("Open for ratings"), "published": N_("Published")}
GRADES: dict[str, str] = {
    "excellent": N_("Excellent"),
    "good": N_("Good"),
    "pass": N_("Pass"),
    "needs_improvement": N_("Needs improvement"),
}
RATER_GROUPS: dict[str, str] = {
    "superior": N_("Superior"),
    "peer": N_("Peer"),
    "recipient": N_("Service recipient"),
}
INDICATORS: dict[str, str] = {
    "document_timeliness": N_("Documents handled on time"),
    "overdue_share": N_("Share of overdue steps"),
    "meeting_satisfaction": N_("Meeting satisfaction"),
    "action_item_delay_rate": N_("Delayed action items"),
    "warnings": N_("Warnings"),
    "adopted_suggestions": N_("Adopted suggestions"),
    "training_hours": N_("Training hours"),
    "certificates": N_("Certificates"),
    "confidentiality_leaks": N_("Confidentiality leaks"),
}
UNITS: dict[str, str] = {
    "percent": "%",
    "score": N_("points"),
    "count": N_("times"),
    "hours": N_("hours"),
}
# The service writes its formulas in English words; these read them in the
# person's language (the numbers and symbols stay as they are).
FORMULA_WORDS: tuple[tuple[str, str], ...] = (
    ("(any leak vetoes the appraisal)", N_("(any leak vetoes the appraisal)")),
    ("met / (met + breached)", N_("on time / (on time + late)")),
    ("overdue / assigned", N_("overdue / assigned")),
    ("delayed / items", N_("delayed / all items")),
    ("no steps finished", N_("no step finished")),
    ("no steps assigned", N_("no step assigned")),
    ("no surveys closed", N_("no survey closed")),
    ("no action items", N_("no action item")),
    ("preparation warnings", N_("preparation warnings")),
    ("approval escalations", N_("approval escalations")),
    ("adopted suggestions", N_("adopted suggestions")),
    ("sum of training hours", N_("sum of training hours")),
    ("certificates earned", N_("certificates earned")),
    ("confirmed leaks", N_("confirmed leaks")),
    ("closed surveys", N_("closed surveys")),
    ("mean of", N_("mean of")),
    ("quantitative", N_("indicators")),
    ("(no facts)", N_("(no facts)")),
)


def formula(text: str | None) -> str:
    """A service formula with its English words in the person's language."""
    out = str(text or "")
    for words, msgid in FORMULA_WORDS:
        if words in out:
            out = out.replace(words, gettext(msgid))
    return out


# Career (SPEC C-*)
READINESS: dict[str, str] = {
    "ready_now": N_("Ready now"),
    "one_year": N_("Ready in a year"),
    "two_years": N_("Ready in two years"),
}
TIERS: dict[str, str] = {
    "core": N_("Core talent"),
    "backbone": N_("Backbone talent"),
    "base": N_("Base talent"),
}
COURSE_KINDS: dict[str, str] = {
    "mandatory": N_("Mandatory"),
    "onboarding": N_("Onboarding"),
    "elective": N_("Elective"),
    "high_potential": N_("High-potential programme"),
}
MENTORING_KINDS: dict[str, str] = {"new_hire": N_("New hire"), "business": N_("Business")}

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
    "loan": LOAN_STATES,
    "record_state": RECORD_STATES,
    "climate": CLIMATE_CAUSES,
    "check": CHECK_RESULTS,
    "channel": INFO_CHANNELS,
    "source": INFO_SOURCES,
    "info_status": INFO_STATUSES,
    "importance": IMPORTANCE,
    "urgency": URGENCY,
    "stage": REVIEW_STAGES,
    "decision": REVIEW_DECISIONS,
    "delivery": DELIVERY,
    "notice_kind": NOTICE_KINDS,
    "cycle_kind": CYCLE_KINDS,
    "cycle_state": CYCLE_STATES,
    "grade": GRADES,
    "rater_group": RATER_GROUPS,
    "readiness": READINESS,
    "tier": TIERS,
    "course_kind": COURSE_KINDS,
    "mentoring": MENTORING_KINDS,
    "indicator": INDICATORS,
    "unit": UNITS,
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
