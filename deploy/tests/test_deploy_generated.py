"""Generated deployment files are current: a change to their source needs the generator run."""

from __future__ import annotations

import alert_rules
import chart_schemas
import config_reference
import dashboards
import dockerfiles
import pytest


@pytest.mark.parametrize(
    "generator",
    [chart_schemas, dashboards, dockerfiles, config_reference, alert_rules],
    ids=[
        "values schemas",
        "dashboards",
        "Dockerfiles",
        "configuration reference",
        "chart alert rules",
    ],
)
def test_generated_file_is_up_to_date(generator: object) -> None:
    assert generator.main(["check", "--check"]) == 0  # type: ignore[attr-defined]


def test_the_configuration_reference_documents_every_key_of_every_schema() -> None:
    reference = config_reference.reference()
    for key in (
        "`global.postgresql.inCluster`",
        "`secrets.keys`",
        "`http.readinessPath`",
        "`autoscaling.enabled`",
        "`secretEnv`",
        "`migrations.enabled`",
    ):
        assert key in reference
