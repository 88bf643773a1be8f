"""The sealed final version of an approved request (SPEC D-09).

The file is canonical JSON (keys sorted, no spaces, UTF-8):
``{"seal": {...}, "sealed": {...}}``. ``sealed`` holds what the seal
covers: the content, the payload, the template and its version, the full
decision trail, when it was sealed and by which key. Its canonical bytes
are hashed with SHA-256 and the 32-byte digest is signed with the
service's Ed25519 key; ``seal`` carries the hex digest, the signature and
the public key. Because the file is canonical, any changed byte either
breaks the JSON, breaks the canonical layout, changes the hashed content
or changes the seal: verification catches each and says which.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from documents.domain.approvals.model import Approval

SEAL_FORMAT = "secretariat.sealed-approval/1"
SIGNATURE_ALGORITHM = "Ed25519"
HASH_ALGORITHM = "SHA-256"


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def sealed_content(
    approval: Approval, seal_id: str, sealed_at: datetime, signer: str
) -> dict[str, Any]:
    """What the seal covers: the request, its content and the whole decision trail."""
    return {
        "format": SEAL_FORMAT,
        "seal_id": seal_id,
        "sealed_at": _iso(sealed_at),
        "signer": signer,
        "approval": {
            "id": approval.id,
            "template": approval.template,
            "template_version": approval.template_version,
            "subject": approval.subject,
            "status": approval.status.value,
            "urgent": approval.urgent,
            "requester": approval.requester,
            "department_code": approval.department_code,
            "source_service": approval.source_service,
            "source_ref": approval.source_ref,
            "revision": approval.revision,
            "created_at": _iso(approval.created_at),
            "completed_at": _iso(approval.completed_at),
        },
        "content": approval.content,
        "payload": approval.payload,
        "trail": [
            {
                "index": step.index,
                "revision": step.revision,
                "name": step.name,
                "mode": step.mode.value,
                "state": step.state.value,
                "approvers": step.holders(),
                "opened_at": _iso(step.opened_at),
                "due_at": _iso(step.due_at),
                "closed_at": _iso(step.closed_at),
                "decisions": [
                    {
                        "actor": d.actor,
                        "action": d.action.value,
                        "comment": d.comment,
                        "on_behalf_of": d.on_behalf_of,
                        "delegate_to": d.delegate_to,
                        "at": _iso(d.at),
                    }
                    for d in step.decisions
                ],
            }
            for step in approval.steps
            if step.opened_at is not None
        ],
        "history": [
            {
                "at": _iso(h.at),
                "actor": h.actor,
                "action": h.action,
                "comment": h.comment,
                "step_index": h.step_index,
                "on_behalf_of": h.on_behalf_of,
            }
            for h in approval.history
        ],
    }


def content_digest(content: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical_json(content)).digest()


def sealed_file(
    content: dict[str, Any], digest: bytes, signature_b64: str, public_key_pem: str
) -> bytes:
    return canonical_json(
        {
            "sealed": content,
            "seal": {
                "signature_algorithm": SIGNATURE_ALGORITHM,
                "hash_algorithm": HASH_ALGORITHM,
                "content_sha256": digest.hex(),
                "signature": signature_b64,
                "public_key": public_key_pem,
            },
        }
    )


class UnreadableSeal(Exception):
    """The uploaded bytes are not an intact sealed file; the message says why."""


@dataclass(frozen=True)
class SealedFile:
    content: dict[str, Any]
    seal_id: str
    approval_id: str
    declared_sha256: str
    signature_b64: str
    digest: bytes

    @property
    def computed_sha256(self) -> str:
        return self.digest.hex()


def read_sealed_file(data: bytes) -> SealedFile:
    """Parse an uploaded sealed file; raise UnreadableSeal with the reason it is not intact."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableSeal("the file is not UTF-8 text, so not a sealed approval file") from exc
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableSeal(f"the file is not valid JSON ({exc.msg} at byte {exc.pos})") from exc
    if not isinstance(parsed, dict) or set(parsed) != {"sealed", "seal"}:
        raise UnreadableSeal("the file is not a sealed approval file (expects 'sealed' and 'seal')")
    content, seal = parsed["sealed"], parsed["seal"]
    if (
        not isinstance(content, dict)
        or not isinstance(seal, dict)
        or content.get("format") != SEAL_FORMAT
        or not isinstance(content.get("approval"), dict)
    ):
        raise UnreadableSeal(f"the file is not a {SEAL_FORMAT} file")
    try:
        canonical = canonical_json(parsed)
    except ValueError as exc:
        raise UnreadableSeal("the file holds values JSON cannot carry (NaN or infinity)") from exc
    if canonical != data:
        raise UnreadableSeal(
            "the file's bytes are not those of the sealed file: its layout or encoding was edited"
        )
    return SealedFile(
        content=content,
        seal_id=str(content.get("seal_id", "")),
        approval_id=str(content["approval"].get("id", "")),
        declared_sha256=str(seal.get("content_sha256", "")),
        signature_b64=str(seal.get("signature", "")),
        digest=content_digest(content),
    )


@dataclass(frozen=True)
class SealRecord:
    """A seal as the service stored it when the approval completed."""

    id: str
    approval_id: str
    file: bytes
    file_name: str
    content_sha256: str
    signature_b64: str
    signer: str
    public_key_pem: str
    sealed_at: datetime


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    approval_id: str = ""
    seal_id: str = ""


SignatureCheck = Callable[[str, bytes, str], bool]
"""(public key PEM, digest, base64 signature) → whether the signature verifies."""


def verify_sealed_file(
    data: bytes,
    find_seal: Callable[[str], SealRecord | None],
    signature_ok: SignatureCheck,
    zone: tzinfo = UTC,
) -> Verdict:
    """SPEC D-09: is ``data`` exactly a file this service sealed? If not, why not.

    The signature is checked with the public key stored with the seal,
    never the one in the file, so a re-signed forgery fails.
    """
    try:
        uploaded = read_sealed_file(data)
    except UnreadableSeal as exc:
        return Verdict(False, str(exc))
    ids = {"approval_id": uploaded.approval_id, "seal_id": uploaded.seal_id}
    stored = find_seal(uploaded.seal_id) if uploaded.seal_id else None
    if stored is None:
        return Verdict(False, f"no seal {uploaded.seal_id!r} was issued by this service", **ids)
    if stored.approval_id != uploaded.approval_id:
        return Verdict(False, "the seal belongs to a different approval", **ids)
    if uploaded.computed_sha256 != uploaded.declared_sha256:
        return Verdict(
            False,
            "the sealed content was changed: its SHA-256 no longer matches the seal's hash",
            **ids,
        )
    if uploaded.computed_sha256 != stored.content_sha256:
        return Verdict(
            False, "the content and its hash differ from the version this service sealed", **ids
        )
    if not signature_ok(stored.public_key_pem, uploaded.digest, uploaded.signature_b64):
        return Verdict(False, "the signature does not verify with the service's seal key", **ids)
    if data != stored.file:
        return Verdict(
            False, "the seal's details (key or algorithm) differ from the issued file", **ids
        )
    sealed_at = stored.sealed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return Verdict(True, f"intact: sealed {sealed_at} by {stored.signer}; not changed since", **ids)
