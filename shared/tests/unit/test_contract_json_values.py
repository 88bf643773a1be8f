"""JSON values (google.protobuf.Struct/Value) in answers keep the numbers as sent (issue 10)."""

from __future__ import annotations

import json

from secretariat.documents.v1 import approvals_pb2
from secretariat_shared.contract.json_mapping import to_json


def test_whole_numbers_in_a_struct_answer_are_written_as_integers() -> None:
    approval = approvals_pb2.Approval(id="a1")
    approval.payload.update({"quantity": 10, "price": 2.5, "items": [{"n": 3}], "none": None})
    written = json.dumps(to_json(approval)["payload"], sort_keys=True)
    assert written == '{"items": [{"n": 3}], "none": null, "price": 2.5, "quantity": 10}'


def test_an_unset_struct_is_null_and_a_condition_value_keeps_its_type() -> None:
    assert to_json(approvals_pb2.Approval(id="a1"))["payload"] is None
    condition = approvals_pb2.Condition(field="amount", op="gt")
    condition.value.number_value = 50_000
    assert json.dumps(to_json(condition)["value"]) == "50000"
