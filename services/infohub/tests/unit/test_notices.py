"""Inbox notices read as a secretariat would write them (SPEC X-06)."""

from __future__ import annotations

import pytest

from infohub.domain.notices import step_assigned_notice, step_overdue_notice

pytestmark = pytest.mark.unit


def test_x06_assignment_notice_names_document_step_and_deadline() -> None:
    title, body = step_assigned_notice(
        "proposed_handling", "HR-2026-04-001", "考勤通知", "2026-03-03 09:00"
    )
    assert title == "待拟办：HR-2026-04-001 考勤通知"
    assert "2026-03-03 09:00" in body
    assert "拟办" in body


def test_x06_assignment_notice_without_deadline_omits_it() -> None:
    _, body = step_assigned_notice("circulation", "HR-2026-04-001", "考勤通知", "")
    assert "请于" not in body
    assert "传阅" in body


def test_x05_overdue_notice_is_a_reminder() -> None:
    title, body = step_overdue_notice("archive", "HR-2026-04-001", "考勤通知", "2026-03-03 09:00")
    assert title.startswith("催办")
    assert "归档" in title
    assert "已于 2026-03-03 09:00 到期" in body


def test_smtp_is_configured_by_environment() -> None:
    from infohub.bootstrap import InfohubSettings, mail_transport_of
    from infohub.service_layer.mail import SmtpTransport
    from secretariat_shared.settings import load_settings

    base = {
        "SECRETARIAT_DATABASE_URL": "sqlite://",
        "SECRETARIAT_AMQP_URL": "filesystem:///tmp/bus",
        "SECRETARIAT_IDENTITY_PUBLIC_KEY": "k",
        "SECRETARIAT_INTERNAL_TOKEN_SECRET": "s",
    }
    assert mail_transport_of(load_settings(InfohubSettings, base)) is None
    settings = load_settings(
        InfohubSettings,
        {**base, "SECRETARIAT_SMTP_HOST": "mail.example.com", "SECRETARIAT_SMTP_PORT": "587"},
    )
    transport = mail_transport_of(settings)
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port) == ("mail.example.com", 587)
