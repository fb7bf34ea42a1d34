"""Property-based fuzzing of every HQ route from its published OpenAPI (schemathesis),
over real HTTPS, on SQLite and PostgreSQL.

* Every operation the OpenAPI lists is fuzzed, positive (schema-valid) and negative
  (schema-invalid) inputs, with a valid device token so the requests get past
  authentication; schema-valid cases are often given real values (an officer of the
  device's unit, a home of the unit, a file HQ holds) so they reach the code behind the
  first checks.
* Every answer must conform to the OpenAPI: a documented status, the documented content
  type, a body matching the response schema, and never a 5xx. A request answered with
  an error has written nothing, and the audit chains still verify.
* A stateful run follows the links schemathesis infers between operations (a file's
  status, its chunks, its completion...).

``NEO_ATTACKS=short`` (CI) runs a few examples per operation and mode; ``full``
(``make attacks``) many.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as oas

from neo.hq.testing import LiveHQ

from .conftest import Snapshot, World, chains_valid, examples

EXAMPLES = examples(5, 200)
PUBLIC = ("/enroll", "/health", "/ca.pem")
CHECKS = [
    oas.status_code_conformance,
    oas.content_type_conformance,
    oas.response_headers_conformance,
    oas.response_schema_conformance,
]


def _spec(live: LiveHQ) -> dict[str, Any]:
    with live.client() as c:
        return dict(c.get("/api/v1/openapi.json").json())


@pytest.fixture
def session(live: LiveHQ) -> Iterator[requests.Session]:
    """An HTTP session trusting HQ's CA, closed at the end (an open keep-alive connection
    would hold up HQ's shutdown)."""
    with requests.Session() as s:
        s.verify = str(live.ca_file) if live.ca_file else True
        yield s


def _realistic(world: World, operation: Any) -> dict[str, Any]:
    """Values that make a schema-valid case reach past the first checks."""
    return {
        "officer": st.sampled_from([world.a.handle.officer, world.supervisor_a, world.disabled_a, world.officer_b]),
        "service_number": st.sampled_from([world.a.handle.officer, world.officer_b]),
        "registration_id": st.just(world.registration_id),
        "sha256": st.just(world.photo_sha),
    }


def _patch(case: Any, draw: Any, realistic: dict[str, Any]) -> None:
    """Put realistic values in a generated case (path parameters, top-level body fields)."""
    if case.path_parameters:
        for name in list(case.path_parameters):
            if name in realistic and draw(st.booleans()):
                case.path_parameters[name] = draw(realistic[name])
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in realistic and draw(st.booleans()):
                case.body[name] = draw(realistic[name])


def test_every_route_conforms_to_its_openapi_under_fuzzing(live: LiveHQ, world: World,
                                                          session: requests.Session) -> None:
    spec = _spec(live)
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    listed = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert {(op.method.upper(), op.path) for op in operations} == listed
    # the module routes are fuzzed too
    assert {p for _m, p in listed} >= {"/api/v1/m/lookup/search", "/api/v1/m/lookup/hotlist",
                                       "/api/v1/m/holiday_watch/registrations",
                                       "/api/v1/m/holiday_watch/registrations/{registration_id}/access",
                                       "/api/v1/m/holiday_watch/basemap",
                                       "/api/v1/m/holiday_watch/basemap/content"}
    failures: list[str] = []
    seen: dict[str, set[int]] = {}
    token = world.a2.token

    def run(operation: Any, mode: GenerationMode) -> None:
        headers = {} if operation.path.endswith(PUBLIC) else {"Authorization": f"Bearer {token}"}
        realistic = _realistic(world, operation)

        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: Any, data: Any) -> None:
            if mode is GenerationMode.POSITIVE:
                _patch(case, data.draw, realistic)
            before = Snapshot.take(live)
            response = case.call(base_url=live.url, session=session, headers=headers, timeout=60,
                                 verify=session.verify)
            seen.setdefault(operation.label, set()).add(response.status_code)
            assert response.status_code < 500, f"{response.status_code} {response.text[:300]}"
            case.validate_response(response, checks=CHECKS)
            if response.status_code >= 400:
                assert "error" in response.json()
                before.unchanged()

        try:
            fuzz()
        except Unsatisfiable:
            # An operation with no parameters and no body has nothing to make invalid.
            if mode is not GenerationMode.NEGATIVE:
                failures.append(f"{operation.label} {mode.value}: no example could be generated")
        except (Exception, BaseExceptionGroup) as exc:  # collected: one run reports every failing operation
            failures.append(f"{operation.label} {mode.value}: {type(exc).__name__}: {str(exc)[:1500]}")

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, mode)
    assert not failures, "\n\n".join(failures)
    assert set(seen) == {op.label for op in operations}
    chains_valid(live)


def test_the_verify_only_token_gets_nothing_under_fuzzing(live: LiveHQ, world: World,
                                                          session: requests.Session) -> None:
    """Every authenticated operation, fuzzed with the verify-only unlock token: refused
    (403 token_scope) except the officer check it exists for."""
    spec = _spec(live)
    schema = schemathesis.openapi.from_dict(spec)
    headers = {"Authorization": f"Bearer {world.unlock_token}"}
    operations = [r.ok() for r in schema.get_all_operations()]
    guarded = [op for op in operations if not op.path.endswith(PUBLIC)]
    assert len(guarded) >= 15

    def attack(operation: Any) -> None:
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(max_examples=examples(3, 50), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            before = Snapshot.take(live)
            response = case.call(base_url=live.url, session=session, headers=headers, timeout=60,
                                 verify=session.verify)
            assert response.status_code < 500
            if operation.path.endswith("/officers/verify"):
                assert response.status_code != 403 or response.json()["error"]["detail"]["code"] != "token_scope"
            else:
                assert response.status_code == 403, (operation.label, response.status_code, response.text[:200])
                assert response.json()["error"]["detail"]["code"] == "token_scope"
            before.unchanged()

        fuzz()

    for operation in guarded:
        attack(operation)


def test_stateful_sequences_follow_the_links_between_routes(live: LiveHQ, world: World,
                                                            session: requests.Session) -> None:
    """Sequences of calls along the links schemathesis infers from the OpenAPI (a home
    registered, then its access details asked for, ...), with realistic bodies half the
    time: every answer conforms, none is a 5xx."""
    from tests.hq.watch.watch_data import postcode, registration

    schema = schemathesis.openapi.from_dict(_spec(live))
    workflow = schema.as_state_machine()
    headers = {"Authorization": f"Bearer {world.a2.token}"}
    officer = world.a2.officer
    calls: list[int] = []

    class Attack(workflow):  # type: ignore[misc,valid-type]
        def before_call(self, case: Any) -> None:
            # decided by the generated case alone (the replay while shrinking must choose alike)
            realistic = zlib.crc32(repr(case.body).encode()) % 2 == 0
            if realistic and case.method.upper() == "POST" and isinstance(case.body, dict):
                if case.path.endswith("/registrations"):
                    case.body = {"officer": officer, "registration": registration(postcode())}
                elif case.path.endswith("/access"):
                    case.body = {"officer": officer, "reason": "contrôle de sécurité"}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            public = case.path.endswith(PUBLIC)
            return {"base_url": live.url, "session": session, "headers": {} if public else headers,
                    "timeout": 60, "verify": session.verify}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            calls.append(response.status_code)
            assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
            case.validate_response(response, checks=CHECKS)

    Attack.run(settings=settings(max_examples=examples(10, 200), stateful_step_count=examples(5, 12), deadline=None,
                                 database=None, suppress_health_check=list(HealthCheck)))
    assert calls and 200 in calls
    chains_valid(live)
