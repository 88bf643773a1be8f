"""The approvals HTTP API as approvals.proto declares it (issue 10).

The gateway builds its routes from these declarations only, so the
routes, statuses, roles and JSON field names that existed before the
proto became the one contract are pinned here.
"""

from __future__ import annotations

import re
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor

from secretariat.api.v1 import options_pb2
from secretariat.documents.v1 import approvals_pb2

SERVICE = approvals_pb2.DESCRIPTOR.services_by_name["Approvals"]

# (method, path, success status, roles) of every route before issue 10
ROUTES = {
    ("GET", "/api/v1/approval-templates", 200, ()),
    ("POST", "/api/v1/approval-templates", 201, ("admin",)),
    ("GET", "/api/v1/approval-templates/{}", 200, ()),
    ("POST", "/api/v1/approvals", 201, ()),
    ("GET", "/api/v1/approvals", 200, ()),
    ("GET", "/api/v1/approvals/inbox", 200, ()),
    ("GET", "/api/v1/approvals/sla", 200, ()),
    ("GET", "/api/v1/approvals/{}", 200, ()),
    ("POST", "/api/v1/approvals/{}/decisions", 200, ()),
    ("POST", "/api/v1/approvals/{}/resubmit", 200, ()),
    ("POST", "/api/v1/approvals/{}/withdraw", 200, ()),
    ("GET", "/api/v1/approvals/{}/seal", 200, ()),
    ("POST", "/api/v1/seals/verify", 200, ()),
    ("POST", "/api/v1/me/absences", 201, ()),
    ("GET", "/api/v1/me/absences", 200, ()),
}


def names(text: str) -> set[str]:
    return set(text.split())


# JSON fields of the old request bodies and answers, by RPC
REQUEST_FIELDS = {
    "StartApproval": {"template", "subject", "payload", "urgent", "content", "source_ref"},
    "Decide": {"action", "comment", "delegate_to"},
    "Resubmit": {"payload", "subject", "comment"},
    "Withdraw": {"comment"},
    "RecordAbsence": {"start", "end", "delegate_username"},
    "PutTemplate": {"key", "name", "description", "form_schema", "steps"},
    "ListApprovals": {"status", "template", "mine", "source_service", "source_ref"},
    "GetTemplate": {"version"},
    "GetSlaReport": {"month"},
}
APPROVAL = names(
    """id template template_version subject payload content urgent status requester
    department_code revision current_step current_step_index steps history source_service
    source_ref seal_id created_at completed_at"""
)
STEP = names(
    """index revision name mode approvers approved_by on_behalf_of state opened_at due_at
    escalate_at closed_at reminded escalated decisions"""
)
TEMPLATE = names("key version name description form_schema steps created_at created_by")
ANSWERS = {
    "Approval": APPROVAL,
    "ApprovalStep": STEP,
    "Decision": {"actor", "action", "comment", "on_behalf_of", "delegate_to", "at"},
    "HistoryEntry": {"at", "actor", "action", "comment", "step_index", "on_behalf_of"},
    "Template": TEMPLATE,
    "TemplateStep": {"name", "mode", "approvers", "conditions"},
    "ApproverRule": {"kind", "role", "username"},
    "Condition": {"field", "op", "value"},
    "Absence": {"id", "username", "start", "end", "delegate_username"},
    "VerifySealResponse": {"valid", "reason", "approval_id", "seal_id"},
    "SlaReport": names(
        "month steps_total steps_overdue overdue_share target routine_met routine_breached "
        "urgent_met urgent_breached"
    ),
}


def extension(options: Any, field: Any) -> Any:
    return options.Extensions[field]


def rule_of(method: MethodDescriptor) -> http_pb2.HttpRule:
    rule: http_pb2.HttpRule = extension(method.GetOptions(), annotations_pb2.http)
    return rule


def operation_of(method: MethodDescriptor) -> options_pb2.Operation:
    operation: options_pb2.Operation = extension(method.GetOptions(), options_pb2.operation)
    return operation


def rules_of(field: FieldDescriptor) -> options_pb2.FieldRules:
    rules: options_pb2.FieldRules = extension(field.GetOptions(), options_pb2.rules)
    return rules


def http_methods() -> list[MethodDescriptor]:
    return [m for m in SERVICE.methods if m.GetOptions().HasExtension(annotations_pb2.http)]


def verb_and_path(rule: http_pb2.HttpRule) -> tuple[str, str]:
    verb = rule.WhichOneof("pattern")
    assert verb is not None
    return verb.upper(), getattr(rule, verb)


def json_names(message: Descriptor) -> set[str]:
    names = set()
    for field in message.fields:
        names.add(rules_of(field).http_name or field.name)
    return names


def test_every_old_route_keeps_its_method_path_status_and_roles() -> None:
    declared = set()
    for method in http_methods():
        verb, path = verb_and_path(rule_of(method))
        operation = operation_of(method)
        declared.add(
            (
                verb,
                re.sub(r"\{[^}]+\}", "{}", path),
                operation.status or 200,
                tuple(operation.roles),
            )
        )
    assert declared == ROUTES


def test_path_parameters_are_request_fields_and_creations_say_where() -> None:
    for method in http_methods():
        _, path = verb_and_path(rule_of(method))
        for name in re.findall(r"\{([^}.]+)\}", path):
            assert name in method.input_type.fields_by_name, (method.name, name)
        operation = operation_of(method)
        if operation.status == 201 and operation.location:
            for name in re.findall(r"\{([^}]+)\}", operation.location):
                assert name in method.output_type.fields_by_name, (method.name, name)
        assert operation.tag == "approvals"
        assert operation.summary


def test_request_bodies_and_queries_keep_their_json_field_names() -> None:
    for method in http_methods():
        if method.name in REQUEST_FIELDS:
            assert REQUEST_FIELDS[method.name] <= json_names(method.input_type), method.name


def test_answers_keep_every_json_field_of_the_old_models() -> None:
    for name, fields in ANSWERS.items():
        assert fields <= json_names(approvals_pb2.DESCRIPTOR.message_types_by_name[name]), name


def test_lists_take_page_and_page_size_and_answer_the_list_shape() -> None:
    for method in http_methods():
        if "items" not in method.output_type.fields_by_name:
            continue
        assert {"items", "total", "page", "page_size"} <= set(method.output_type.fields_by_name)
        page = rules_of(method.input_type.fields_by_name["page"])
        size_rules = rules_of(method.input_type.fields_by_name["page_size"])
        assert page.gte == 1
        assert (size_rules.gte, size_rules.lte) == (1, 100)


def test_d09_seal_download_is_a_file_and_verify_takes_the_raw_body() -> None:
    download = SERVICE.methods_by_name["DownloadSeal"]
    assert download.output_type.full_name == "google.api.HttpBody"
    assert list(operation_of(download).media_types) == ["application/json; charset=utf-8"]
    verify = SERVICE.methods_by_name["VerifySeal"]
    assert rule_of(verify).body == "file"
    file = verify.input_type.fields_by_name["file"].message_type
    assert file is not None
    assert file.full_name == "google.api.HttpBody"
