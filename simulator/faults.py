"""Faults the AWS services really return, and an injector that answers botocore calls with them.

The catalogue (`SERVICE_FAULTS`, `NETWORK_FAULTS`) holds, per service, the error code, HTTP status and
wire format the service's protocol uses (checked against botocore 1.44's service models: the
``errors`` of each operation, ``metadata.protocols`` and the client's resolved protocol):

======================== ======================================== ====== ==============================
service (protocol)       code                                      status retried by botocore standard
======================== ======================================== ====== ==============================
sns (query, XML)         ``Throttled``                             429    yes for Publish (see below)
sns                      ``KMSThrottling``                         400    no
sns                      ``KMSDisabled``                           400    no
sns                      ``KMSAccessDenied``                       400    no
sns                      ``KMSNotFound``                           400    no
sns                      ``AuthorizationError``                    403    no
sns                      ``InvalidParameter`` (message too long)   400    no
sns                      ``InternalError``                         500    yes
dynamodb (json 1.0)      ``ProvisionedThroughputExceededException`` 400   yes
dynamodb                 ``ThrottlingException``                   400    yes
dynamodb                 ``InternalServerError``                   500    yes
sagemaker (json 1.1)     ``ThrottlingException``                   400    yes
sagemaker                ``InternalFailure``                       500    yes
sagemaker                ``ServiceUnavailable``                    503    yes
cloudwatch (json 1.0,    ``Throttling`` (``x-amzn-query-error``)   400    yes
awsQueryCompatible)
application-autoscaling  ``ThrottlingException``                   400    yes
kms (json 1.1)           ``ThrottlingException``                   400    yes
stepfunctions (json 1.0) ``ThrottlingException``                   400    yes
any (client side)        ``EndpointConnectionError``               --     yes
any                      ``ConnectTimeoutError``                   --     yes
any                      ``ReadTimeoutError``                      --     yes
any                      ``ConnectionClosedError``                 --     yes
======================== ======================================== ====== ==============================

What botocore's standard retry mode (``botocore/retries/standard.py``, `StandardRetryConditions`)
retries on its own, and why:

- error codes in ``ThrottledRetryableChecker._THROTTLED_ERROR_CODES`` (``Throttling``,
  ``ThrottlingException``, ``ProvisionedThroughputExceededException``, ...): DynamoDB's and
  SageMaker's throttling, CloudWatch's ``Throttling``;
- HTTP 500/502/503/504 (``TransientRetryableChecker``): ``InternalError``,
  ``InternalServerError``, ``InternalFailure``, ``ServiceUnavailable``;
- exceptions deriving from ``botocore.exceptions.ConnectionError`` or ``HTTPClientError`` (not the
  builtin ``ConnectionError``): all four network faults;
- HTTP 429 whose code is *not* a modeled error of the operation (``ThrottlingStatusCodeChecker``).
  SNS models ``Throttled`` (``ThrottledException``, 429) only on its SMS operations
  (``SetSMSAttributes``, ``CheckIfPhoneNumberIsOptedOut``, ...), not on ``Publish``: a ``Throttled``
  answer to ``Publish`` is retried through this rule, the same answer to ``SetSMSAttributes`` is
  not. Older botocore versions (without that checker) never retried ``Throttled``.
- ``KMSThrottling`` (400) is in no list and not marked ``retryable`` in the model: never retried,
  although it is a throttling error. A caller has to treat it as transient itself.

`botocore_retries` asks botocore's own `StandardRetryConditions` for any (operation, fault) pair;
the unit tests check this table against it and against real clients.

`FaultInjector` answers the next calls of a service operation, made through given botocore
clients, with catalogue faults: service faults as an HTTP response in the service's wire format
(botocore parses it, its retry handler and the caller see exactly what the real service would
cause), network faults raised from the send step as botocore's HTTP layer raises them (so standard
mode retries them). A request the injector answered is marked with `FAULT_HEADER`; while the
injector is active, moto's `BotocoreStubber` passes such requests by, so they never reach moto.
"""

from __future__ import annotations

import http.client
import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from xml.sax.saxutils import escape

import botocore.session
import urllib3.exceptions
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.model import OperationModel, ServiceModel
from botocore.retries.standard import RetryContext, StandardRetryConditions

FAULT_HEADER = "x-offline-fault"  # marks a request the fault injector answered
REQUEST_ID = "00000000-0000-4000-8000-00000000fa17"
# Some JSON services qualify `__type` with their namespace (botocore keeps what follows `#`).
_JSON_ERROR_NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810#"}


@dataclass(frozen=True)
class ServiceFault:
    """An error response of one service: its code, HTTP status and message."""

    service: str  # botocore's service name
    name: str  # the catalogue key (the code, plus a qualifier where one code has several causes)
    code: str
    status: int
    message: str
    sender: bool = True  # the query protocol's <Type>Sender</Type> / Receiver
    query_code: str | None = None  # awsQueryCompatible JSON services: the query protocol's code
    doc: str = ""

    def response(self, service_model: ServiceModel, url: str) -> AWSResponse:
        """The HTTP response the service sends, in its protocol's wire format."""
        protocol = service_model.resolved_protocol
        headers = {"x-amzn-RequestId": REQUEST_ID}
        if protocol == "query":
            kind = "Sender" if self.sender else "Receiver"
            body = (
                '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
                f"<Error><Type>{kind}</Type><Code>{escape(self.code)}</Code>"
                f"<Message>{escape(self.message)}</Message></Error>"
                f"<RequestId>{REQUEST_ID}</RequestId></ErrorResponse>"
            ).encode()
            headers["Content-Type"] = "text/xml"
        elif protocol == "json":
            version = service_model.metadata.get("jsonVersion", "1.0")
            namespace = _JSON_ERROR_NAMESPACES.get(service_model.service_name, "")
            body = json.dumps({"__type": f"{namespace}{self.code}", "message": self.message}).encode()
            headers["Content-Type"] = f"application/x-amz-json-{version}"
            if self.query_code is not None:  # botocore then reports the query protocol's code
                headers["x-amzn-query-error"] = f"{self.query_code};{'Sender' if self.sender else 'Receiver'}"
        else:  # pragma: no cover - no service of this project speaks another protocol
            raise ValueError(f"{service_model.service_name}: no fault wire format for protocol {protocol}")
        return AWSResponse(url, self.status, HTTPHeaders.from_dict(headers), _Raw(body))

    @property
    def reported_code(self) -> str:
        """The code botocore puts in ``ClientError.response["Error"]["Code"]``."""
        return self.query_code or self.code


@dataclass(frozen=True)
class NetworkFault:
    """A failure of the HTTP layer, raised on the client side by botocore (no response at all)."""

    name: str
    build: Callable[[str, Any], Exception] = field(repr=False)
    doc: str = ""

    def exception(self, request: Any) -> Exception:
        """The exception botocore's `URLLib3Session.send` raises for this failure of `request`."""
        return self.build(str(request.url), request)


Fault = ServiceFault | NetworkFault


def _service_faults(*faults: ServiceFault) -> dict[str, dict[str, ServiceFault]]:
    catalogue: dict[str, dict[str, ServiceFault]] = {}
    for fault in faults:
        catalogue.setdefault(fault.service, {})[fault.name] = fault
    return catalogue


SERVICE_FAULTS = _service_faults(
    # SNS: query protocol. Codes from botocore's sns model (error shapes' `error.code`).
    ServiceFault("sns", "Throttled", "Throttled", 429, "Rate exceeded", doc="request rate over the account's quota"),
    ServiceFault(
        "sns",
        "KMSThrottling",
        "KMSThrottling",
        400,
        "Amazon SNS couldn't publish the message because AWS KMS throttled the request "
        "(Service: AWSKMS; Status Code: 400; Error Code: ThrottlingException)",
        doc="the topic's KMS key is throttled",
    ),
    ServiceFault(
        "sns",
        "KMSDisabled",
        "KMSDisabled",
        400,
        "The request was rejected because the specified customer master key (CMK) isn't enabled.",
        doc="the topic's KMS key is disabled",
    ),
    ServiceFault(
        "sns",
        "KMSAccessDenied",
        "KMSAccessDenied",
        400,
        "The ciphertext references a key that doesn't exist or that you don't have access to.",
        doc="the key policy does not let the publisher (or SNS) use the key",
    ),
    ServiceFault(
        "sns",
        "KMSNotFound",
        "KMSNotFound",
        400,
        "The request was rejected because the specified entity or resource can't be found.",
        doc="the topic's KMS key does not exist (deleted)",
    ),
    ServiceFault(
        "sns",
        "AuthorizationError",
        "AuthorizationError",
        403,
        "User: arn:aws:sts::123456789012:assumed-role/publisher/fn is not authorized to perform: SNS:Publish "
        "on resource: arn:aws:sns:us-east-1:123456789012:topic",
        doc="IAM or the topic policy denies the call",
    ),
    ServiceFault(
        "sns",
        "InvalidParameter",
        "InvalidParameter",
        400,
        "Invalid parameter: Message too long",
        doc="the message is over 256 KB (262,144 bytes, all protocols' bodies together)",
    ),
    ServiceFault("sns", "InternalError", "InternalError", 500, "Internal Error", sender=False),
    # DynamoDB: JSON 1.0, `__type` namespaced as the service sends it.
    ServiceFault(
        "dynamodb",
        "ProvisionedThroughputExceededException",
        "ProvisionedThroughputExceededException",
        400,
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    ServiceFault(
        "dynamodb",
        "ThrottlingException",
        "ThrottlingException",
        400,
        "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling "
        "your table or index so please try again shortly.",
    ),
    ServiceFault("dynamodb", "InternalServerError", "InternalServerError", 500, "Internal server error", sender=False),
    # SageMaker: JSON 1.1; throttling and 5xx are the common errors of every operation.
    ServiceFault("sagemaker", "ThrottlingException", "ThrottlingException", 400, "Rate exceeded"),
    ServiceFault(
        "sagemaker",
        "InternalFailure",
        "InternalFailure",
        500,
        "An internal error occurred. Try your request again.",
        sender=False,
    ),
    ServiceFault("sagemaker", "ServiceUnavailable", "ServiceUnavailable", 503, "Service Unavailable", sender=False),
    # CloudWatch: JSON 1.0 with awsQueryCompatible; the x-amzn-query-error header carries the query code.
    ServiceFault("cloudwatch", "Throttling", "ThrottlingException", 400, "Rate exceeded", query_code="Throttling"),
    ServiceFault("application-autoscaling", "ThrottlingException", "ThrottlingException", 400, "Rate exceeded"),
    ServiceFault("kms", "ThrottlingException", "ThrottlingException", 400, "Rate exceeded"),
    ServiceFault("stepfunctions", "ThrottlingException", "ThrottlingException", 400, "Rate exceeded"),
    # Service Quotas: JSON 1.1 (botocore's service-quotas model: ListServiceQuotas' errors).
    ServiceFault("service-quotas", "TooManyRequestsException", "TooManyRequestsException", 400, "Rate exceeded"),
    ServiceFault(
        "service-quotas",
        "AccessDeniedException",
        "AccessDeniedException",
        400,
        "You do not have sufficient access to perform this action.",
        doc="the caller may not list service quotas (an SCP, say)",
    ),
    ServiceFault(
        "service-quotas",
        "NoSuchResourceException",
        "NoSuchResourceException",
        400,
        "The specified resource does not exist.",
        doc="the service code is not known to Service Quotas in this region",
    ),
    ServiceFault("service-quotas", "ServiceException", "ServiceException", 500, "Internal error", sender=False),
)

# The fault `throttle()` uses for each service.
THROTTLING = {
    "sns": "Throttled",
    "dynamodb": "ProvisionedThroughputExceededException",
    "sagemaker": "ThrottlingException",
    "cloudwatch": "Throttling",
    "application-autoscaling": "ThrottlingException",
    "kms": "ThrottlingException",
    "stepfunctions": "ThrottlingException",
    "service-quotas": "TooManyRequestsException",
}


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


# Built as botocore.httpsession.URLLib3Session.send builds them from urllib3's exceptions.
NETWORK_FAULTS: dict[str, NetworkFault] = {
    fault.name: fault
    for fault in (
        NetworkFault(
            "EndpointConnectionError",
            lambda url, _request: EndpointConnectionError(
                endpoint_url=url,
                error=urllib3.exceptions.NewConnectionError(
                    None,  # type: ignore[arg-type]  # the connection object; unused by the message
                    "Failed to establish a new connection: [Errno 111] Connection refused",
                ),
            ),
            doc="DNS or TCP connect failure (NewConnectionError / socket.gaierror)",
        ),
        NetworkFault(
            "ConnectTimeoutError",
            lambda url, _request: ConnectTimeoutError(
                endpoint_url=url,
                error=urllib3.exceptions.ConnectTimeoutError(
                    None, f"Connection to {_host(url)} timed out. (connect timeout=5)"
                ),
            ),
            doc="no TCP connection within connect_timeout",
        ),
        NetworkFault(
            "ReadTimeoutError",
            lambda url, _request: ReadTimeoutError(
                endpoint_url=url,
                error=urllib3.exceptions.ReadTimeoutError(None, url, "Read timed out. (read timeout=20)"),  # type: ignore[arg-type]
            ),
            doc="no response within read_timeout",
        ),
        NetworkFault(
            "ConnectionClosedError",
            lambda url, request: ConnectionClosedError(
                error=urllib3.exceptions.ProtocolError(
                    "Connection aborted.",
                    http.client.RemoteDisconnected("Remote end closed connection without response"),
                ),
                request=request,
                endpoint_url=url,
            ),
            doc="the connection was closed before a response (urllib3 ProtocolError)",
        ),
    )
}


def fault_named(service: str, name: str) -> Fault:
    """The catalogue fault `name` of `service` (or a network fault, which any service can meet)."""
    if name in NETWORK_FAULTS:
        return NETWORK_FAULTS[name]
    try:
        return SERVICE_FAULTS[service][name]
    except KeyError:
        known = sorted({*SERVICE_FAULTS.get(service, {}), *NETWORK_FAULTS})
        raise KeyError(f"no fault {name!r} for {service}; known: {', '.join(known)}") from None


def throttling_fault(service: str) -> ServiceFault:
    """The fault `service` answers a throttled request with."""
    fault = fault_named(service, THROTTLING[service])
    assert isinstance(fault, ServiceFault)
    return fault


def _service_model(service: str) -> ServiceModel:
    return _session().get_service_model(service)


_SESSION: list[botocore.session.Session] = []


def _session() -> botocore.session.Session:
    if not _SESSION:
        _SESSION.append(botocore.session.get_session())
    return _SESSION[0]


def botocore_retries(service: str, operation: str, fault: Fault) -> bool:
    """Whether botocore's standard retry mode retries `fault` from `service.operation` by itself
    (its own `StandardRetryConditions`, first attempt of several)."""
    operation_model: OperationModel = _service_model(service).operation_model(operation)
    if isinstance(fault, NetworkFault):
        context = RetryContext(
            attempt_number=1, operation_model=operation_model, caught_exception=fault.exception(_UrlOnly())
        )
    else:
        context = RetryContext(
            attempt_number=1,
            operation_model=operation_model,
            parsed_response={"Error": {"Code": fault.reported_code, "Message": fault.message}},
            http_response=AWSResponse("https://example.invalid/", fault.status, HTTPHeaders(), None),
        )
    return bool(StandardRetryConditions(max_attempts=5).is_retryable(context))


@dataclass(frozen=True)
class Injection:
    """One call the injector answered."""

    service: str
    operation: str
    fault: str


class FaultInjector:
    """Answer the next calls of a service operation, made through the clients ``client_for(service)``
    returns, with catalogue faults.

    Use as a context manager (or `start` / `stop`): while active, moto's `BotocoreStubber` ignores
    requests the injector answered. Faults are queued per (service, operation) and used in order;
    `injected` records each one met.
    """

    def __init__(self, client_for: Callable[[str], Any]) -> None:
        self._client_for = client_for
        self._queues: dict[tuple[str, str], deque[Fault]] = {}
        self.injected: list[Injection] = []
        self._original_stubber_call: Any = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Self:
        from moto.core.botocore_stubber import BotocoreStubber

        if self._original_stubber_call is not None:
            raise RuntimeError("FaultInjector is already started")
        original = BotocoreStubber.__call__

        def answer(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
            # botocore runs every before-send handler and keeps the first answer: a request the
            # injector already answered must not also be carried out by moto.
            if request.headers.get(FAULT_HEADER):
                return None
            return original(stubber, event_name, request, **kwargs)

        self._original_stubber_call = original
        BotocoreStubber.__call__ = answer  # type: ignore[method-assign,assignment]
        return self

    def stop(self) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        if self._original_stubber_call is not None:
            BotocoreStubber.__call__ = self._original_stubber_call  # type: ignore[method-assign]
            self._original_stubber_call = None

    @property
    def active(self) -> bool:
        return self._original_stubber_call is not None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------------------------
    def fault(self, service: str, operation: str, fault: Fault | str, times: int = 1) -> Fault:
        """Answer the next `times` calls of `service.operation` with `fault` (a catalogue fault or
        its name), after the faults already queued for that operation."""
        if times < 0:
            raise ValueError("times must be >= 0")
        chosen = fault_named(service, fault) if isinstance(fault, str) else fault
        if isinstance(chosen, ServiceFault) and chosen.service != service:
            raise ValueError(f"{chosen.name} is a {chosen.service} fault, not a {service} one")
        model = _service_model(service)
        if operation not in model.operation_names:
            raise ValueError(f"{service} has no operation {operation}")
        key = (service, operation)
        self._queues.setdefault(key, deque()).extend([chosen] * times)
        self._hook(service, operation, model)
        return chosen

    def throttle(self, service: str, operation: str, times: int = 1) -> Fault:
        """`fault` with the service's own throttling fault (`THROTTLING`)."""
        return self.fault(service, operation, throttling_fault(service), times)

    def faults_left(self) -> dict[tuple[str, str], int]:
        """Faults not met yet, per (service, operation) ever scripted (0 once all were met)."""
        return {key: len(queue) for key, queue in self._queues.items()}

    def clear(self) -> None:
        """Forget the faults not met yet."""
        for queue in self._queues.values():
            queue.clear()

    def rehook(self) -> None:
        """Hook the clients `client_for` returns now (after the caller replaced its cached clients)."""
        for service, operation in self._queues:
            self._hook(service, operation, _service_model(service))

    # -- internals -------------------------------------------------------------------------------
    def _hook(self, service: str, operation: str, model: ServiceModel) -> None:
        client = self._client_for(service)
        event = f"before-send.{model.service_id.hyphenize()}.{operation}"
        client.meta.events.register_first(
            event, self._handler(service, operation), unique_id=f"offline-fault-{service}-{operation}"
        )

    def _handler(self, service: str, operation: str) -> Callable[..., Any]:
        def handler(request: Any, **_: Any) -> Any:
            queue = self._queues.get((service, operation))
            if not queue:
                return None
            fault = queue.popleft()
            self.injected.append(Injection(service, operation, fault.name))
            request.headers[FAULT_HEADER] = fault.name
            if isinstance(fault, NetworkFault):
                # Raised where botocore's HTTP layer raises it: the endpoint returns it to the
                # retry handler as the caught exception, and the request is never sent.
                raise fault.exception(request)
            return fault.response(_service_model(service), str(request.url))

        return handler


class _UrlOnly:
    url = "https://example.invalid/"


class _Raw:
    """The raw body of an `AWSResponse` (what urllib3's response offers botocore)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body
