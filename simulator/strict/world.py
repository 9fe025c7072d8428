"""The strict world: every request the Lambda code sends is checked as AWS would check it.

Installed on the handlers' botocore session (`recommender.adapters.aws.session()`, never the tests'
own seeding sessions), on `before-parameter-build` for every service and operation:

1. botocore's own validation comes first: a request it rejects raises its `ParamValidationError`,
   as on Lambda, and goes no further;
2. the service model (`recommender.adapters.api_model.request_violations`): a violation fails the
   call with the service's `ValidationException` (HTTP 400);
3. IAM, as the function's own role from the synthesized template: each authorization the call
   needs (`simulator.strict.authorization`) is evaluated against the role's identity policies; a
   refusal fails the call with the service's own access-denied error and message.

Which function is calling comes from a context variable set around each handler invocation
(`StrictWorld.running`). Every evaluated authorization is recorded on `calls`, and with
`STRICT_WORLD_LOG=<file>` appended to that file as a JSON line. Anything the world cannot check
(an unknown operation, a call outside a handler, a policy construct it does not evaluate) raises
`StrictWorldGap` and is kept on `gaps`, so a test fails even when product code swallows it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from botocore.errorfactory import ClientExceptionsFactory
from botocore.exceptions import ClientError
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidator

from recommender.adapters.api_model import request_violations
from simulator.strict.authorization import Environment, StrictWorldGap, authorizations
from simulator.strict.iam import AuthorizationRequest, Decision, UnsupportedPolicy, evaluate
from simulator.strict.template import Identity

LOG_VARIABLE = "STRICT_WORLD_LOG"

# The function whose code is running (set around each handler invocation).
_RUNNING: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("strict_world_function", default=None)

# How each service refuses an unauthorized call: (error code, HTTP status). Query-protocol services
# (SNS) and CloudWatch answer 403 with their own codes; the JSON services 400 AccessDeniedException.
ACCESS_DENIED: dict[str, tuple[str, int]] = {
    "sagemaker": ("AccessDeniedException", 400),
    "dynamodb": ("AccessDeniedException", 400),
    "application-autoscaling": ("AccessDeniedException", 400),
    "stepfunctions": ("AccessDeniedException", 400),
    "pricing": ("AccessDeniedException", 400),
    "service-quotas": ("AccessDeniedException", 400),
    "kms": ("AccessDeniedException", 400),
    "sns": ("AuthorizationError", 403),
    "cloudwatch": ("AccessDenied", 403),
}


@dataclass(frozen=True)
class EvaluatedCall:
    """One authorization the strict world evaluated."""

    function: str
    handler: str  # the handler module, the same whichever template the function comes from
    service: str
    operation: str
    action: str
    resource: str
    allowed: bool
    decision: str


class StrictWorld:
    def __init__(self, identities: Mapping[str, Identity], env: Environment) -> None:
        self.identities = dict(identities)  # handler module -> identity
        self.env = env
        self.calls: list[EvaluatedCall] = []
        self.validation_failures: list[tuple[str, str, list[str]]] = []  # (function, operation, violations)
        self.gaps: list[str] = []
        self._lock = threading.Lock()
        self._log = os.environ.get(LOG_VARIABLE)

    # ------------------------------------------------------------------ wiring
    def install(self, session: Any) -> None:
        """Check every request made through `session` (idempotent per session)."""
        session.register("before-parameter-build", self._on_request, unique_id=f"strict-world-{id(self)}")

    @contextlib.contextmanager
    def running(self, handler: str) -> Iterator[Identity]:
        """The code inside runs as the function whose handler module is `handler`."""
        identity = self.identities.get(handler)
        if identity is None:
            raise self._gap(f"no function of the template runs {handler}")
        token = _RUNNING.set(identity)
        try:
            yield identity
        finally:
            _RUNNING.reset(token)

    def denied(self) -> list[EvaluatedCall]:
        return [call for call in self.calls if not call.allowed]

    # ------------------------------------------------------------------ the check
    def _on_request(self, params: Mapping[str, Any], model: OperationModel, context: Any = None, **_: Any) -> None:
        service = model.service_model.service_name
        operation = model.name
        if model.input_shape is not None and ParamValidator().validate(params, model.input_shape).has_errors():
            return  # botocore raises its own ParamValidationError next, as on Lambda
        identity = _RUNNING.get()
        if identity is None:
            raise self._gap(f"{service}:{operation} was called on the Lambda session outside any handler invocation")
        violations = request_violations(service, operation, params)
        if violations:
            with self._lock:
                self.validation_failures.append((identity.function_name, operation, violations))
            count = len(violations)
            raise _client_error(
                model.service_model,
                operation,
                "ValidationException",
                400,
                f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(violations)}",
            )
        region = (context or {}).get("client_region") or self.env.region
        env = Environment(self.env.account, region, self.env.partition, self.env.topic_key)
        try:
            needed = authorizations(service, operation, params, env)
        except StrictWorldGap as gap:
            raise self._gap(str(gap)) from None
        for authorization in needed:
            request = AuthorizationRequest(
                authorization.action,
                authorization.resource,
                {
                    "aws:PrincipalArn": identity.role_arn,
                    "aws:PrincipalAccount": identity.account,
                    "aws:RequestedRegion": region,
                    "aws:SecureTransport": "true",
                    **authorization.context,
                },
            )
            try:
                decision = evaluate(identity.policies, request)
            except UnsupportedPolicy as unsupported:
                raise self._gap(f"{identity.function_name}: cannot evaluate {unsupported}") from None
            self._record(
                EvaluatedCall(
                    function=identity.function_name,
                    handler=identity.handler,
                    service=service,
                    operation=operation,
                    action=authorization.action,
                    resource=authorization.resource,
                    allowed=decision is Decision.ALLOWED,
                    decision=decision.value,
                )
            )
            if decision is not Decision.ALLOWED:
                raise _denied(model.service_model, operation, identity, authorization, decision)

    def _record(self, call: EvaluatedCall) -> None:
        with self._lock:
            self.calls.append(call)
            if self._log:
                with open(self._log, "a", encoding="utf-8") as log:
                    log.write(json.dumps({**asdict(call), "pid": os.getpid()}) + "\n")

    def _gap(self, message: str) -> StrictWorldGap:
        with self._lock:
            self.gaps.append(message)
        return StrictWorldGap(message)


def _denied(
    service_model: ServiceModel, operation: str, identity: Identity, needed: Any, decision: Decision
) -> ClientError:
    action = needed.action
    shown = "SNS:Publish" if action == "sns:Publish" else action  # SNS spells its prefix so
    why = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {shown} action"
    )
    on = "" if needed.resource == "*" else f" on resource: {needed.resource}"
    message = f"User: {identity.session_arn} is not authorized to perform: {shown}{on} {why}"
    service = service_model.service_name
    if needed.denied is not None:
        code, status = needed.denied
        inner_service = action.split(":", 1)[0]
        inner_code, inner_status = ACCESS_DENIED.get(inner_service, ("AccessDeniedException", 400))
        message += (
            f" (Service: AWS{inner_service.upper()}; Status Code: {inner_status}; Error Code: {inner_code}; "
            "Request ID: strict-world; Proxy: null)"
        )
    else:
        if service not in ACCESS_DENIED:
            raise StrictWorldGap(f"the strict world does not know how {service} refuses a call; add it")
        code, status = ACCESS_DENIED[service]
    return _client_error(service_model, operation, code, status, message)


@functools.cache
def _exceptions(service_model: ServiceModel) -> Any:
    return ClientExceptionsFactory().create_client_exceptions(service_model)


def _client_error(service_model: ServiceModel, operation: str, code: str, status: int, message: str) -> ClientError:
    """The error the client raises for the service's answer (its modeled class when it has one)."""
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "strict-world"},
    }
    if service_model.protocol == "query":
        response["Error"]["Type"] = "Sender"
    error_class = _exceptions(service_model).from_code(code)
    error: ClientError = error_class(response, operation)
    return error
