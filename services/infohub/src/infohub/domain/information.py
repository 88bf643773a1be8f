"""Information items and their rules (SPEC I-01..I-05), plain Python."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from secretariat_shared.errors import Conflict, FieldError, ValidationFailed

# I-01: the "1 + 3" channels and the sources each accepts.
CHANNEL_SOURCES: dict[str, frozenset[str]] = {
    "internal": frozenset({"weekly_report", "monthly_review", "suggestion"}),
    "external": frozenset({"industry_brief", "customer_feedback", "public_opinion"}),
    "special": frozenset({"project_daily_report"}),
}
SOURCE_NAMES_ZH = {
    "weekly_report": "部门周报",
    "monthly_review": "月度总结",
    "suggestion": "意见箱",
    "industry_brief": "行业简报",
    "customer_feedback": "客户反馈",
    "public_opinion": "舆情监测",
    "project_daily_report": "项目信息员日报",
}
LEAD_ELEMENTS = ("time", "place", "people", "event", "result")
STAGES = ("screen", "verify", "distil")
# Status after each stage (I-03); nothing is delivered before "distilled".
STATUS_AFTER = {"screen": "screened", "verify": "verified", "distil": "distilled"}
STAGE_NEEDS = {"screen": "triaged", "verify": "screened", "distil": "verified"}
CLOSED = frozenset({"delivered", "queued", "published", "dropped", "merged"})


@dataclass
class Lead:
    time: str = ""
    place: str = ""
    people: str = ""
    event: str = ""
    result: str = ""

    def sentence(self) -> str:
        """The lead as one Chinese sentence: 时间，地点，人物，事件，结果。"""
        return f"{self.time}，{self.place}，{self.people}{self.event}，{self.result}。"


@dataclass
class Figure:
    label: str
    value: str
    unit: str = ""
    source: str = ""
    basis: str = ""


@dataclass
class TrendPoint:
    label: str
    value: float


@dataclass
class Attachment:
    name: str
    ref: str = ""


@dataclass
class Review:
    stage: str
    reviewer: str
    at: datetime
    decision: str
    note: str = ""


@dataclass
class Action:
    owner: str
    deadline: datetime
    acceptance_criterion: str
    department_code: str = ""
    status: str = "required"
    started_at: datetime | None = None
    accepted_at: datetime | None = None
    accepted_by: str = ""


@dataclass
class InfoItem:
    id: str
    channel: str
    source: str
    submitter: str
    anonymous: bool
    submitted_at: datetime
    title: str
    lead: Lead
    body: str = ""
    figures: list[Figure] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    project: str = ""
    department_code: str = ""
    created_by: str = ""
    importance: str = ""
    urgency: str = ""
    status: str = "submitted"
    reviews: list[Review] = field(default_factory=list)
    core_points: str = ""
    similar_item_ids: list[str] = field(default_factory=list)
    delivered_at: datetime | None = None
    reviewed_at: datetime | None = None
    bulletin_date: str = ""
    action: Action | None = None
    adopted: bool = False
    merged_into: str = ""

    @property
    def text(self) -> str:
        """What near-duplicate screening compares (I-03)."""
        return " ".join([self.title, self.lead.sentence(), self.body])

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _jsonable(asdict(self))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InfoItem:
        d = dict(data)
        d["submitted_at"] = _dt(d["submitted_at"])
        d["delivered_at"] = _dt(d.get("delivered_at"))
        d["reviewed_at"] = _dt(d.get("reviewed_at"))
        d["lead"] = Lead(**d["lead"])
        d["figures"] = [Figure(**f) for f in d.get("figures", [])]
        d["trend"] = [TrendPoint(**p) for p in d.get("trend", [])]
        d["attachments"] = [Attachment(**a) for a in d.get("attachments", [])]
        d["reviews"] = [Review(**{**r, "at": _dt(r["at"])}) for r in d.get("reviews", [])]
        if d.get("action"):
            a = dict(d["action"])
            a["deadline"] = _dt(a["deadline"])
            a["started_at"] = _dt(a.get("started_at"))
            a["accepted_at"] = _dt(a.get("accepted_at"))
            d["action"] = Action(**a)
        return cls(**d)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _dt(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def check_intake(
    channel: str,
    source: str,
    anonymous: bool,
    lead: Lead,
    figures: list[Figure],
    project: str,
) -> None:
    """I-01 channel/source, I-04 lead elements and figure source/basis."""
    errors: list[FieldError] = []
    if source not in CHANNEL_SOURCES.get(channel, frozenset()):
        errors.append(FieldError("source", f"{source!r} is not a source of channel {channel!r}"))
    if anonymous and source != "suggestion":
        errors.append(FieldError("anonymous", "only suggestion-box items may be anonymous"))
    if source == "project_daily_report" and not project.strip():
        errors.append(FieldError("project", "a project daily report names its project"))
    for name in LEAD_ELEMENTS:
        if not getattr(lead, name).strip():
            errors.append(
                FieldError(f"lead.{name}", "the lead states time, place, people, event and result")
            )
    for i, figure in enumerate(figures):
        if not figure.source.strip():
            errors.append(FieldError(f"figures[{i}].source", "every figure carries its source"))
        if not figure.basis.strip():
            errors.append(
                FieldError(f"figures[{i}].basis", "every figure carries its statistical basis")
            )
    if errors:
        raise ValidationFailed(errors)


def triage(item: InfoItem, importance: str, urgency: str) -> None:
    """I-02: place on the matrix; refused once delivered or published."""
    if item.status in CLOSED:
        raise Conflict(f"item {item.id} is {item.status}; triage can no longer change")
    if item.reviews:
        raise Conflict(f"item {item.id} is already under review; triage can no longer change")
    if importance not in ("important", "routine"):
        raise ValidationFailed(FieldError("importance", "must be important or routine"))
    if urgency not in ("urgent", "normal"):
        raise ValidationFailed(FieldError("urgency", "must be urgent or normal"))
    item.importance, item.urgency, item.status = importance, urgency, "triaged"


def review(
    item: InfoItem,
    stage: str,
    reviewer: str,
    at: datetime,
    decision: str,
    note: str,
    core_points: str,
    merge_into: str,
) -> None:
    """I-03: the three reviews, in order, each recorded once."""
    if stage not in STAGES:
        raise ValidationFailed(FieldError("stage", "must be screen, verify or distil"))
    if item.status in CLOSED:
        raise Conflict(f"item {item.id} is {item.status}")
    if item.status != STAGE_NEEDS[stage]:
        raise Conflict(f"{stage} needs the item {STAGE_NEEDS[stage]}; it is {item.status}")
    decision = decision or ("keep" if stage == "screen" else "pass")
    allowed = ("keep", "drop", "merge") if stage == "screen" else ("pass",)
    if decision not in allowed:
        raise ValidationFailed(FieldError("decision", f"must be one of {', '.join(allowed)}"))
    if decision == "merge" and not merge_into:
        raise ValidationFailed(FieldError("merge_into", "name the item to merge into"))
    if stage == "verify":
        missing = [f.label for f in item.figures if not (f.source.strip() and f.basis.strip())]
        if missing:
            raise ValidationFailed(FieldError("figures", f"unsourced figures: {missing}"))
        if not note.strip():
            raise ValidationFailed(FieldError("note", "say how the data was checked"))
    if stage == "distil":
        if not core_points.strip():
            raise ValidationFailed(FieldError("core_points", "distil writes the core points"))
        item.core_points = core_points.strip()
    item.reviews.append(Review(stage, reviewer, at, decision, note))
    if decision == "drop":
        item.status = "dropped"
    elif decision == "merge":
        item.status, item.merged_into = "merged", merge_into
    else:
        item.status = STATUS_AFTER[stage]
        if stage == "distil":
            item.reviewed_at = at


def all_reviews_done(item: InfoItem) -> bool:
    """I-03: leaders see an item only after screen, verify and distil."""
    done = {r.stage for r in item.reviews if r.decision in ("keep", "pass")}
    return done >= set(STAGES)
