"""``POST /api/v1/testing/clock``: moves every process's clock. Registered only
when SECRETARIAT_TESTING=1; otherwise the path does not exist (404)."""

from __future__ import annotations

from gateway.api.registry import Api, Call
from gateway.api.schemas.testing import ClockAdvanceIn, ClockOut
from gateway.bootstrap import Gateway
from gateway.problems import Problem, ProblemError
from secretariat_shared.roles import Role


def register_testing_routes(api: Api, gateway: Gateway) -> None:
    @api.route(
        "POST",
        "/api/v1/testing/clock",
        summary="Move the whole system's clock forward (testing only)",
        tag="testing",
        body=ClockAdvanceIn,
        response=ClockOut,
        roles=(Role.ADMIN,),
        problems=(409,),
    )
    def advance_clock(call: Call) -> ClockOut:
        body: ClockAdvanceIn = call.body
        advance = getattr(gateway.clock, "advance", None)
        if advance is None:
            raise ProblemError(
                Problem(
                    status=409,
                    detail="The clock cannot be moved: SECRETARIAT_CLOCK_FILE is not set.",
                )
            )
        return ClockOut(now=advance(body.advance_seconds))
