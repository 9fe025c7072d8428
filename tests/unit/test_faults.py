"""The fault catalogue holds the services' real codes, and each fault surfaces through a real botocore
client exactly as the real failure would: code, HTTP status, exception class, retries."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from moto import mock_aws

from simulator.faults import (
    FAULT_HEADER,
    NETWORK_FAULTS,
    SERVICE_FAULTS,
    THROTTLING,
    FaultInjector,
    Injection,
    NetworkFault,
    ServiceFault,
    botocore_retries,
    fault_named,
    throttling_fault,
)
from tests.handlers.faults_fixture import Backoff, record_backoff

REGION = "us-east-1"
# The handlers' configuration (recommender.adapters.aws.CLIENT_CONFIG): standard mode, 5 attempts.
CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})
ATTEMPTS = 5

# (service, operation the project calls, fault, retried by botocore's standard mode by itself)
RETRIED = [
    ("sns", "Publish", "Throttled", True),  # 429 not modeled for Publish: ThrottlingStatusCodeChecker
    ("sns", "SetSMSAttributes", "Throttled", False),  # modeled there (ThrottledException): not retried
    ("sns", "Publish", "KMSThrottling", False),
    ("sns", "Publish", "KMSDisabled", False),
    ("sns", "Publish", "KMSAccessDenied", False),
    ("sns", "Publish", "KMSNotFound", False),
    ("sns", "Publish", "AuthorizationError", False),
    ("sns", "Publish", "InvalidParameter", False),
    ("sns", "Publish", "InternalError", True),
    ("dynamodb", "PutItem", "ProvisionedThroughputExceededException", True),
    ("dynamodb", "Query", "ThrottlingException", True),
    ("dynamodb", "GetItem", "InternalServerError", True),
    ("sagemaker", "DescribeInferenceRecommendationsJob", "ThrottlingException", True),
    ("sagemaker", "DescribeEndpoint", "InternalFailure", True),
    ("sagemaker", "CreateInferenceRecommendationsJob", "ServiceUnavailable", True),
    ("cloudwatch", "GetMetricData", "Throttling", True),
    ("application-autoscaling", "DescribeScalableTargets", "ThrottlingException", True),
    ("kms", "Decrypt", "ThrottlingException", True),
    ("stepfunctions", "StartExecution", "ThrottlingException", True),
    *((service, operation, name, True) for name in NETWORK_FAULTS for service, operation in [("sns", "Publish")]),
]


@pytest.fixture(autouse=True)
def backoff(monkeypatch: pytest.MonkeyPatch) -> Backoff:
    return record_backoff(monkeypatch)


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Real botocore clients (the handlers' configuration) inside mock_aws, one per service."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield {}


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()  # parsed service models, shared by the tests' sessions


def new_session() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", _loader())
    return session


@pytest.fixture
def injector(clients: dict[str, Any]) -> Iterator[FaultInjector]:
    session = new_session()

    def client_for(service: str) -> Any:
        if service not in clients:
            clients[service] = session.create_client(service, region_name=REGION, config=CONFIG)
        return clients[service]

    with FaultInjector(client_for) as injected:
        yield injected


def sns_topic(injector: FaultInjector) -> str:
    return str(injector._client_for("sns").create_topic(Name="topic")["TopicArn"])


def sent(topic_arn: str) -> list[Any]:
    from moto.sns.models import sns_backends

    return list(sns_backends["123456789012"][REGION].topics[topic_arn].sent_notifications)


# ------------------------------------------------------------------------------ the catalogue
def test_codes_and_statuses_are_the_service_models() -> None:
    """Every modeled fault has the code and HTTP status of its error shape in botocore's model."""
    session = botocore.session.get_session()
    modeled = {
        ("sns", "Throttled"): "ThrottledException",
        ("sns", "KMSThrottling"): "KMSThrottlingException",
        ("sns", "KMSDisabled"): "KMSDisabledException",
        ("sns", "KMSAccessDenied"): "KMSAccessDeniedException",
        ("sns", "KMSNotFound"): "KMSNotFoundException",
        ("sns", "AuthorizationError"): "AuthorizationErrorException",
        ("sns", "InvalidParameter"): "InvalidParameterException",
        ("sns", "InternalError"): "InternalErrorException",
        ("dynamodb", "ProvisionedThroughputExceededException"): "ProvisionedThroughputExceededException",
        ("dynamodb", "ThrottlingException"): "ThrottlingException",
        ("dynamodb", "InternalServerError"): "InternalServerError",
    }
    for (service, name), shape_name in modeled.items():
        fault = SERVICE_FAULTS[service][name]
        shape = session.get_service_model(service).shape_for(shape_name)
        error = shape.metadata.get("error", {})
        assert error.get("code", shape_name) == fault.code, name
        # JSON 1.0 DynamoDB errors carry no status in the model: 400 unless a server fault.
        assert error.get("httpStatusCode", 500 if name == "InternalServerError" else 400) == fault.status, name
    # The errors SNS Publish can answer with, from the model (Throttled is an account-level answer).
    publish = {
        shape.metadata["error"]["code"]
        for shape in session.get_service_model("sns").operation_model("Publish").error_shapes
    }
    assert {f.code for f in SERVICE_FAULTS["sns"].values()} - publish == {"Throttled"}
    put_item = {shape.name for shape in session.get_service_model("dynamodb").operation_model("PutItem").error_shapes}
    assert {f.code for f in SERVICE_FAULTS["dynamodb"].values()} <= put_item


def test_protocols_are_the_ones_the_wire_formats_assume() -> None:
    session = botocore.session.get_session()
    resolved = {
        service: session.create_client(
            service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"
        ).meta.service_model.resolved_protocol
        for service in SERVICE_FAULTS
    }
    assert resolved == {
        "sns": "query",
        "dynamodb": "json",
        "sagemaker": "json",
        "cloudwatch": "json",  # the model lists smithy-rpc-v2-cbor first; botocore 1.44 speaks json
        "application-autoscaling": "json",
        "kms": "json",
        "stepfunctions": "json",
        "service-quotas": "json",
    }
    assert session.get_service_model("cloudwatch").metadata.get("awsQueryCompatible") is not None


def test_throttling_faults() -> None:
    assert {service: throttling_fault(service).code for service in THROTTLING} == {
        "sns": "Throttled",
        "dynamodb": "ProvisionedThroughputExceededException",
        "sagemaker": "ThrottlingException",
        "cloudwatch": "ThrottlingException",
        "application-autoscaling": "ThrottlingException",
        "kms": "ThrottlingException",
        "stepfunctions": "ThrottlingException",
        "service-quotas": "TooManyRequestsException",
    }
    assert throttling_fault("sns").status == 429
    assert throttling_fault("cloudwatch").reported_code == "Throttling"


def test_fault_lookup() -> None:
    assert fault_named("sns", "KMSDisabled") is SERVICE_FAULTS["sns"]["KMSDisabled"]
    assert fault_named("dynamodb", "ReadTimeoutError") is NETWORK_FAULTS["ReadTimeoutError"]
    with pytest.raises(KeyError, match="no fault 'Throttling' for sns; known: AuthorizationError"):
        fault_named("sns", "Throttling")  # SNS never answers with the made-up code


@pytest.mark.parametrize(("service", "operation", "name", "retried"), RETRIED)
def test_botocore_retries_table(service: str, operation: str, name: str, retried: bool) -> None:
    assert botocore_retries(service, operation, fault_named(service, name)) is retried


# ------------------------------------------------------------------------------ through real clients
@pytest.mark.parametrize(
    ("service", "name", "call", "exception_name"),
    [
        # Not modeled for Publish, but the client's error factory knows the code from the SMS operations.
        ("sns", "Throttled", "publish", "ThrottledException"),
        ("sns", "KMSThrottling", "publish", "KMSThrottlingException"),
        ("sns", "KMSDisabled", "publish", "KMSDisabledException"),
        ("sns", "KMSAccessDenied", "publish", "KMSAccessDeniedException"),
        ("sns", "KMSNotFound", "publish", "KMSNotFoundException"),
        ("sns", "AuthorizationError", "publish", "AuthorizationErrorException"),
        ("sns", "InvalidParameter", "publish", "InvalidParameterException"),
        ("sns", "InternalError", "publish", "InternalErrorException"),
        ("dynamodb", "ProvisionedThroughputExceededException", "put_item", "ProvisionedThroughputExceededException"),
        ("dynamodb", "ThrottlingException", "put_item", "ThrottlingException"),
        ("dynamodb", "InternalServerError", "put_item", "InternalServerError"),
        ("sagemaker", "ThrottlingException", "describe_endpoint", "ClientError"),
        ("sagemaker", "InternalFailure", "describe_endpoint", "ClientError"),
        ("sagemaker", "ServiceUnavailable", "describe_endpoint", "ClientError"),
        ("cloudwatch", "Throttling", "list_metrics", "ClientError"),
        ("application-autoscaling", "ThrottlingException", "describe_scalable_targets", "ClientError"),
        ("kms", "ThrottlingException", "list_keys", "ClientError"),
        ("stepfunctions", "ThrottlingException", "list_state_machines", "ClientError"),
    ],
)
def test_service_faults_surface_as_the_real_service_would(
    injector: FaultInjector, service: str, name: str, call: str, exception_name: str
) -> None:
    fault = fault_named(service, name)
    assert isinstance(fault, ServiceFault)
    arguments: dict[str, dict[str, Any]] = {
        "publish": {"TopicArn": f"arn:aws:sns:{REGION}:123456789012:topic", "Message": "m"},
        "put_item": {"TableName": "t", "Item": {"k": {"S": "v"}}},
        "describe_endpoint": {"EndpointName": "e"},
        "describe_scalable_targets": {"ServiceNamespace": "sagemaker"},
    }
    operation = injector._client_for(service).meta.method_to_api_mapping[call]
    retried = botocore_retries(service, operation, fault)
    injector.fault(service, operation, fault, times=ATTEMPTS)

    with pytest.raises(ClientError) as info:
        getattr(injector._client_for(service), call)(**arguments.get(call, {}))

    assert type(info.value).__name__ == exception_name
    response = info.value.response
    assert response["Error"]["Code"] == fault.reported_code
    assert response["Error"]["Message"] == fault.message
    assert response["ResponseMetadata"]["HTTPStatusCode"] == fault.status
    # botocore retried it by itself exactly when the table says so; the rest stay queued.
    assert response["ResponseMetadata"]["RetryAttempts"] == (ATTEMPTS - 1 if retried else 0)
    assert response["ResponseMetadata"].get("MaxAttemptsReached", False) is retried
    assert injector.faults_left() == {(service, operation): 0 if retried else ATTEMPTS - 1}
    assert injector.injected == [Injection(service, operation, name)] * (ATTEMPTS if retried else 1)


def test_query_protocol_error_carries_type(injector: FaultInjector) -> None:
    injector.fault("sns", "Publish", "InternalError", times=ATTEMPTS)
    with pytest.raises(ClientError) as info:
        injector._client_for("sns").publish(TopicArn=sns_topic(injector), Message="m")
    error: dict[str, Any] = dict(info.value.response["Error"])
    assert error["Type"] == "Receiver"
    assert info.value.response["ResponseMetadata"]["RequestId"]


def test_cloudwatch_reports_the_query_code_from_its_header(injector: FaultInjector) -> None:
    injector.fault("cloudwatch", "ListMetrics", "Throttling", times=ATTEMPTS)
    with pytest.raises(ClientError) as info:
        injector._client_for("cloudwatch").list_metrics()
    error: dict[str, Any] = dict(info.value.response["Error"])
    assert error["Code"] == "Throttling"
    assert error["QueryErrorCode"] == "ThrottlingException"


@pytest.mark.parametrize(
    ("name", "exception_class"),
    [
        ("EndpointConnectionError", EndpointConnectionError),
        ("ConnectTimeoutError", ConnectTimeoutError),
        ("ReadTimeoutError", ReadTimeoutError),
        ("ConnectionClosedError", ConnectionClosedError),
    ],
)
def test_network_faults_are_raised_as_botocore_raises_them(
    injector: FaultInjector, name: str, exception_class: type[Exception]
) -> None:
    client = injector._client_for("sagemaker")
    url = f"https://api.sagemaker.{REGION}.amazonaws.com/"
    injector.fault("sagemaker", "ListEndpoints", name, times=ATTEMPTS)

    with pytest.raises(exception_class) as info:
        client.list_endpoints()

    error = info.value
    assert type(error) is exception_class
    assert getattr(error, "kwargs")["endpoint_url"] == url  # noqa: B009  # BotoCoreError keeps its arguments
    assert url in str(error)
    assert not isinstance(error, ConnectionError)  # botocore's ConnectionError is not the builtin
    # standard mode retries them all: ConnectionError and HTTPClientError subclasses.
    assert len(injector.injected) == ATTEMPTS
    if name == "ConnectionClosedError":
        assert getattr(error, "request").headers[FAULT_HEADER] == name  # noqa: B009
    if name in ("EndpointConnectionError", "ConnectTimeoutError"):
        assert isinstance(error, BotocoreConnectionError)

    # Fewer faults than attempts: botocore's retries get through.
    injector.fault("sagemaker", "ListEndpoints", name, times=2)
    response = client.list_endpoints()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_network_fault_messages() -> None:
    request = type("Request", (), {"url": "https://sns.us-east-1.amazonaws.com/"})()
    messages = {name: str(fault.exception(request)) for name, fault in NETWORK_FAULTS.items()}
    assert messages == {
        "EndpointConnectionError": 'Could not connect to the endpoint URL: "https://sns.us-east-1.amazonaws.com/"',
        "ConnectTimeoutError": 'Connect timeout on endpoint URL: "https://sns.us-east-1.amazonaws.com/"',
        "ReadTimeoutError": 'Read timeout on endpoint URL: "https://sns.us-east-1.amazonaws.com/"',
        "ConnectionClosedError": "Connection was closed before we received a valid response from endpoint URL: "
        '"https://sns.us-east-1.amazonaws.com/".',
    }
    assert all(isinstance(fault, NetworkFault) for fault in NETWORK_FAULTS.values())


# ------------------------------------------------------------------------------ never reaches moto
@pytest.mark.parametrize("name", ["KMSDisabled", "Throttled", "ReadTimeoutError"])
def test_answered_requests_never_reach_moto(injector: FaultInjector, name: str) -> None:
    topic = sns_topic(injector)
    sns = injector._client_for("sns")
    injector.fault("sns", "Publish", name, times=ATTEMPTS)
    with pytest.raises((ClientError, ReadTimeoutError)):
        sns.publish(TopicArn=topic, Message="m")
    assert sent(topic) == []

    injector.clear()
    sns.publish(TopicArn=topic, Message="m")  # no fault left: moto carries it out, once
    assert len(sent(topic)) == 1


def test_dynamodb_write_answered_by_a_fault_is_not_written(injector: FaultInjector) -> None:
    ddb = injector._client_for("dynamodb")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    injector.fault("dynamodb", "PutItem", "InternalServerError", times=ATTEMPTS)
    with pytest.raises(ClientError):
        ddb.put_item(TableName="t", Item={"k": {"S": "v"}})
    assert "Item" not in ddb.get_item(TableName="t", Key={"k": {"S": "v"}})


def test_without_the_stubber_patch_moto_would_also_carry_the_request_out(clients: dict[str, Any]) -> None:
    """The reason for the patch: botocore calls every before-send handler, moto's included."""
    sns: Any = new_session().create_client("sns", region_name=REGION, config=CONFIG)
    injector = FaultInjector(lambda _service: sns)  # hooked, but never started
    topic = sns.create_topic(Name="topic")["TopicArn"]
    injector.fault("sns", "Publish", "KMSDisabled")
    with pytest.raises(ClientError):
        sns.publish(TopicArn=topic, Message="m")
    assert len(sent(topic)) == 1  # the caller saw an error, yet moto delivered the message


def test_stop_restores_moto(clients: dict[str, Any]) -> None:
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__
    with FaultInjector(lambda service: None) as injector:
        assert BotocoreStubber.__call__ is not original
        with pytest.raises(RuntimeError, match="already started"):
            injector.start()
    assert BotocoreStubber.__call__ is original
    assert not injector.active


# ------------------------------------------------------------------------------ scripting
def test_faults_are_met_in_order_and_counted(injector: FaultInjector) -> None:
    sagemaker = injector._client_for("sagemaker")
    injector.fault("sagemaker", "ListEndpoints", "ThrottlingException")
    injector.fault("sagemaker", "ListEndpoints", "ReadTimeoutError")
    injector.throttle("sagemaker", "ListModels", times=2)
    assert injector.faults_left() == {("sagemaker", "ListEndpoints"): 2, ("sagemaker", "ListModels"): 2}

    response = sagemaker.list_endpoints()

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert injector.injected == [
        Injection("sagemaker", "ListEndpoints", "ThrottlingException"),
        Injection("sagemaker", "ListEndpoints", "ReadTimeoutError"),
    ]
    assert injector.faults_left() == {("sagemaker", "ListEndpoints"): 0, ("sagemaker", "ListModels"): 2}
    injector.clear()
    assert injector.faults_left() == {("sagemaker", "ListEndpoints"): 0, ("sagemaker", "ListModels"): 0}
    assert sagemaker.list_models()["ResponseMetadata"]["RetryAttempts"] == 0


def test_scripting_errors(injector: FaultInjector) -> None:
    with pytest.raises(ValueError, match="sagemaker has no operation Publish"):
        injector.fault("sagemaker", "Publish", "ThrottlingException")
    with pytest.raises(ValueError, match="is a sns fault, not a dynamodb one"):
        injector.fault("dynamodb", "PutItem", SERVICE_FAULTS["sns"]["Throttled"])
    with pytest.raises(ValueError, match="times"):
        injector.fault("sns", "Publish", "Throttled", times=-1)
    assert injector.faults_left() == {}


def test_rehook_follows_replaced_clients(clients: dict[str, Any]) -> None:
    session = new_session()
    current: dict[str, Any] = {"sns": session.create_client("sns", region_name=REGION, config=CONFIG)}
    with FaultInjector(lambda service: current[service]) as injector:
        injector.fault("sns", "ListTopics", "KMSDisabled", times=2)
        current["sns"] = session.create_client("sns", region_name=REGION, config=CONFIG)  # a new world
        assert current["sns"].list_topics()["Topics"] == []  # not hooked yet
        injector.rehook()
        with pytest.raises(ClientError, match="KMSDisabled"):
            current["sns"].list_topics()
