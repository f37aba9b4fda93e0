"""Schemathesis against our own OpenAPI schema, through the real WSGI application: no operation
answers 500, and no answer contradicts the schema (status code, content type, headers, body).

Every operation the schema lists is exercised, so the run grows with each new endpoint. It is
bounded and deterministic: MAX_EXAMPLES derandomized examples per operation and generation mode
(valid data, then invalid data). The caller is an analyst with a real JWT, made afresh for each
case, because a case may legitimately change the caller (a new password revokes the token,
DELETE /users/me deletes the account).

The operations are driven with Hypothesis directly (`operation.as_strategy()`), because
schemathesis' pytest plugin does not run under pytest 9. All failing operations are reported
together, each with the request that failed.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from accounts.tokens import ServiceAccessToken
from config.wsgi import application
from tests.factories import UserFactory

# The WSGI handler closes database connections between requests, which a test wrapped in a
# transaction would not survive: this test commits for real and the database is flushed after.
pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = 5
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Operations left out, as {"METHOD /path": reason}. Only endpoints whose answer is a stream or
# a binary file belong here: everything else is checked.
EXCLUDED: dict[str, str] = {
    "GET /api/v1/clustering/dendrogram/{run_id}": "binary: answers a PNG image (document 002)",
    "GET /api/v1/runs/{id}/dendrogram.png": "binary: answers a PNG image",
}


class _Caller:
    """An active analyst with a valid token; both are made again only when a case removed,
    changed or revoked them (one cheap query per case otherwise)."""

    def __init__(self) -> None:
        self.user: User | None = None
        self.token = ""

    def headers(self) -> dict[str, str]:
        if (
            self.user is None
            or not User.objects.filter(
                pk=self.user.pk,
                is_active=True,
                role="analyst",
                token_version=self.user.token_version,
                password=self.user.password,
            ).exists()
        ):
            current = User.objects.filter(pk=getattr(self.user, "pk", None), is_active=True)
            self.user = current.filter(role="analyst").first() or UserFactory(role="analyst")
            self.token = str(ServiceAccessToken.for_user(self.user))
        return {"Authorization": f"Bearer {self.token}"}


def _run_operation(operation, mode: GenerationMode, caller: _Caller) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case) -> None:
        case.call_and_validate(headers=caller.headers(), checks=CHECKS)

    exercise()


def test_every_operation_answers_without_500_and_as_the_schema_says():
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    caller = _Caller()
    failures, exercised = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()  # a schema the library cannot read is itself a failure
        label = f"{operation.method.upper()} {operation.path}"
        if label in EXCLUDED:
            continue
        for mode in MODES:
            try:
                _run_operation(operation, mode, caller)
            except Unsatisfiable:
                # Nothing in the request can be made invalid (no parameters, no body).
                assert mode is GenerationMode.NEGATIVE, label
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure
                failures.append(f"--- {label} ({mode.value}) ---\n{exc}")
        exercised += 1
    assert exercised > 0
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)
