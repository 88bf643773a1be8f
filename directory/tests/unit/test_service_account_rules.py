"""Issue 19: service accounts' rules and RFC 6749 client-credentials requests."""

from __future__ import annotations

import base64

import pytest

from directory.domain.service_accounts import (
    ServiceAccount,
    TokenRequestRefused,
    check_service_account,
    granted_scope,
    hash_secret,
    secret_matches,
    token_request,
)
from secretariat_shared.errors import ValidationFailed
from secretariat_shared.grpc_clients import covers, grants_on, method_granted

pytestmark = pytest.mark.unit

GET = "secretariat.documents.v1.DocumentRegistry/GetDocument"
LIST = "secretariat.documents.v1.DocumentRegistry/ListDocuments"
WHOLE = "secretariat.documents.v1.DocumentRegistry/*"


def refused(form: dict[str, list[str]], authorization: str | None = None) -> str:
    with pytest.raises(TokenRequestRefused) as caught:
        token_request(form, authorization)
    return caught.value.error


def basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


def test_issue19_a_grant_covers_a_method_or_a_whole_service() -> None:
    assert covers(GET, GET)
    assert covers(WHOLE, GET)
    assert not covers(GET, LIST)
    assert not covers(GET, WHOLE)
    assert method_granted([WHOLE], "/" + LIST)
    assert not method_granted([GET], "/secretariat.infohub.v1.Infohub/ListInbox")
    assert grants_on([GET], ["secretariat.documents.v1.DocumentRegistry"])
    assert not grants_on([GET], ["secretariat.directory.v1.Directory"])


def test_issue19_an_account_names_real_methods_and_says_every_fault_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_service_account(
            ServiceAccount(
                client_id="X",
                name=" ",
                allowed_methods=("secretariat.documents.v1.DocumentRegistry/Nope",),
                created_by="admin",
            )
        )
    assert {e.field for e in caught.value.errors} == {"client_id", "name", "allowed_methods[0]"}
    account = check_service_account(
        ServiceAccount("archive-sync", " 档案同步程序 ", (GET, GET, WHOLE), "admin")
    )
    assert account.allowed_methods == (GET, WHOLE)
    assert account.name == "档案同步程序"


def test_issue19_rfc6749_request_errors() -> None:
    assert refused({}) == "invalid_request"
    assert refused({"grant_type": ["password"]}) == "unsupported_grant_type"
    assert refused({"grant_type": ["client_credentials", "client_credentials"]}) == (
        "invalid_request"
    )
    assert refused({"grant_type": ["client_credentials"]}) == "invalid_client"
    both = {"grant_type": ["client_credentials"], "client_id": ["a"], "client_secret": ["b"]}
    assert refused(both, basic("a:b")) == "invalid_request"
    assert refused({"grant_type": ["client_credentials"]}, "Basic %%%") == "invalid_client"
    scoped = {**both, "scope": ["  "]}
    assert refused(scoped) == "invalid_scope"


def test_issue19_credentials_in_the_form_or_with_basic() -> None:
    form = token_request(
        {"grant_type": ["client_credentials"], "client_id": ["a"], "client_secret": ["b"]}, None
    )
    assert (form.client_id, form.client_secret, form.scope, form.basic) == ("a", "b", None, False)
    # RFC 6749 §2.3.1: the pair is form-encoded before Basic.
    with_basic = token_request(
        {"grant_type": ["client_credentials"], "scope": [f"{GET} {GET}"]}, basic("a:b%3Ac+d")
    )
    assert (with_basic.client_id, with_basic.client_secret) == ("a", "b:c d")
    assert with_basic.scope == (GET,)


def test_issue19_scope_is_a_subset_of_the_allowed_methods() -> None:
    assert granted_scope((GET, LIST), None) == (GET, LIST)
    assert granted_scope((WHOLE,), (GET,)) == (GET,)
    with pytest.raises(TokenRequestRefused) as caught:
        granted_scope((GET,), (GET, "secretariat.documents.v1.DocumentRegistry/记录"))
    assert caught.value.error == "invalid_scope"
    assert caught.value.description.isascii()


def test_issue19_secrets_are_kept_hashed_and_compared_whole() -> None:
    stored = hash_secret("s3cret")
    assert "s3cret" not in stored
    assert secret_matches(stored, "s3cret")
    assert not secret_matches(stored, "s3cre")
    assert not secret_matches(None, "s3cret")
