"""The handler tier's world: moto, the fake Inference Recommender, a simulated clock, the functions' environment.

Each test gets a fresh moto account holding the deployment's table, topic (with an SQS subscriber
to read what was published), an eligible endpoint (`demo-endpoint`, 2 x ml.m5.xlarge) and a model
package version with Domain, Task and SamplePayloadUrl. Time is frozen at the execution's start
(2026-11-25T03:00:00Z) and only moves through `clock.advance`.

The world is strict (simulator/strict): every request a handler sends is checked against the
service model, and authorized as the handler's own function role from the synthesized template
(`default_synth`), resolved against this world's table, topic (KMS-encrypted, as deployed) and job
role. Each handler module's `lambda_handler` runs as its function, however a test calls it; a
denied or invalid request fails as AWS fails it, and `world.strict` records every evaluated call.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from moto.sns.models import Subscription

from recommender import settings as settings_module
from recommender.adapters import aws
from simulator.clock import SimulatedClock
from simulator.fake_pricing import FakePriceList
from simulator.fake_quotas import FakeServiceQuotas
from simulator.fake_recommender import install, uninstall
from simulator.seed import seed_endpoint, seed_model_package
from simulator.strict import StrictWorld
from simulator.strict.worlds import for_handler_tier
from tests.handlers.support import (
    ACCOUNT,
    ENDPOINT_SPEC,
    ENVIRONMENT,
    NAMESPACE,
    QUEUE_NAME,
    REGION,
    START,
    STATE_MACHINE_ARN,
    TABLE_NAME,
    TOPIC_NAME,
    Steps,
    World,
    shared_client,
)
from tests.infra.support import Synthesized

# Lambda sets a function's environment before it imports the handler, and Powertools reads its
# metrics namespace and service name when `recommender.observability` is imported: set them before
# any test module of this tier imports a handler.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "test")


# One botocore data loader for the whole process: it caches the parsed service models, which every
# new session would otherwise parse again (the SageMaker model alone costs ~0.1 s per session).
# Sessions and clients are still new in every test and created inside its mock_aws.
_LOADER = botocore.loaders.create_loader()


@functools.cache
def _test_session() -> boto3.session.Session:
    """The tests' own clients (seeding, reading what the handlers did), shared by all tests.

    moto intercepts every botocore session created after it was imported, whichever mock_aws is
    active; the handlers' clients, on the contrary, are new in every test (see `world`).
    """
    session = botocore.session.get_session()
    session.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=session, region_name=REGION)


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _clear_caches() -> None:
    # Clients and settings are cached per execution environment; each test is a new one, so its
    # clients are created inside its own mock_aws and its settings from its own environment.
    settings_module.settings.cache_clear()
    aws.client.cache_clear()
    aws.session.cache_clear()


def _executions_exist(sfn: Any) -> None:
    """The state machine, and every execution a step asks about: a step runs inside its execution.

    The handlers are called without a state machine running them; when one asks Step Functions
    about its own execution, that execution is started first (RUNNING, as it would be), unless the
    test made it already (to stop it, say). The call itself is then answered by moto.
    """
    machine = sfn.create_state_machine(
        name=STATE_MACHINE_ARN.rsplit(":", 1)[1],
        definition=json.dumps({"StartAt": "Run", "States": {"Run": {"Type": "Pass", "End": True}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/ir-orchestrator-workflow",
    )["stateMachineArn"]

    def ensure(**kwargs: Any) -> None:  # botocore passes the event's arguments by name
        arn = str(kwargs["params"].get("executionArn", ""))
        if arn.startswith(STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:") + ":"):
            try:
                sfn.describe_execution(executionArn=arn)
            except sfn.exceptions.ExecutionDoesNotExist:
                sfn.start_execution(stateMachineArn=machine, name=arn.rsplit(":", 1)[1])

    aws.session().register("provide-client-params.sfn.DescribeExecution", ensure, unique_id="executions-exist")


STEPS = ("validate", "start", "check", "publish", "record_failure")
HANDLER_MODULES = [f"recommender.handlers.{step}" for step in STEPS]


# Measures what another template (e.g. an older commit's) would deny to today's code: the strict
# world takes its roles from that template instead of the synthesized one.
OTHER_TEMPLATE = "STRICT_WORLD_TEMPLATE"


def _strict_world(synthesized: Synthesized, topic_arn: str) -> StrictWorld:
    """The deployment's functions and roles, as synthesized, in this world."""
    environment = {**ENVIRONMENT, "TOPIC_ARN": topic_arn}
    template = synthesized.template
    if other := os.environ.get(OTHER_TEMPLATE):
        template = json.loads(Path(other).read_text())
    # The workflow's state machine (the fleet's is the other one, since it exists; older templates
    # replayed with STRICT_WORLD_TEMPLATE have the workflow's alone).
    workflow = [
        logical
        for logical, body in template["Resources"].items()
        if body.get("Type") == "AWS::StepFunctions::StateMachine" and logical.startswith("WorkflowStateMachine")
    ]
    return for_handler_tier(
        template,
        environment,
        account=ACCOUNT,
        region=REGION,
        names=dict.fromkeys(workflow, STATE_MACHINE_ARN),
    )


def _run_as_their_functions(monkeypatch: pytest.MonkeyPatch, strict: StrictWorld) -> None:
    """Every handler runs as its own function, whether a test calls it directly or through Steps."""
    for name in HANDLER_MODULES:
        module = importlib.import_module(name)
        handler: Callable[..., Any] = module.lambda_handler

        def as_function(event: Any, context: Any, _handler: Callable[..., Any] = handler, _name: str = name) -> Any:
            with strict.running(_name):
                return _handler(event, context)

        monkeypatch.setattr(module, "lambda_handler", as_function)


@pytest.fixture
def clock() -> Iterator[SimulatedClock]:
    with SimulatedClock(START) as simulated:
        yield simulated


def _table_schema(synth: Synthesized) -> dict[str, Any]:
    """The results table's keys and indexes as the template defines them (no drift from infra)."""
    [table] = [r["Properties"] for r in synth.template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    schema = {key: table[key] for key in ("KeySchema", "AttributeDefinitions")}
    if table.get("GlobalSecondaryIndexes"):
        schema["GlobalSecondaryIndexes"] = table["GlobalSecondaryIndexes"]
    return schema


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock, default_synth: Synthesized) -> Iterator[World]:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    from recommender.observability import metrics

    # In one pytest process another tier may have imported the handlers before this environment
    # existed; on Lambda the namespace always comes from the environment at import.
    if metrics.provider.namespace != NAMESPACE:
        monkeypatch.setattr(metrics.provider, "namespace", NAMESPACE)
    # moto signs each SNS delivery with a new 2048-bit key per subscription (~50 ms a test): share one.
    monkeypatch.setattr(Subscription, "private_key", lambda self: _signing_key())
    _clear_caches()
    with mock_aws():
        fake = install()
        try:
            # The handlers' own session (adapters.aws caches it): the same as on Lambda but for the
            # shared model cache.
            aws.session().register_component("data_loader", _LOADER)
            session = _test_session()
            dynamodb = shared_client(session, "dynamodb")
            dynamodb.create_table(TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST", **_table_schema(default_synth))
            sns = shared_client(session, "sns")
            sqs = shared_client(session, "sqs")
            # Encrypted with a customer-managed key, as the template's topic: publishing needs the key.
            key_arn = shared_client(session, "kms").create_key(Description="notifications")["KeyMetadata"]["Arn"]
            topic_arn = sns.create_topic(Name=TOPIC_NAME, Attributes={"KmsMasterKeyId": key_arn})["TopicArn"]
            queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            sns.subscribe(
                TopicArn=topic_arn,
                Protocol="sqs",
                Endpoint=queue_arn,
                Attributes={"RawMessageDelivery": "false"},
            )
            monkeypatch.setenv("TOPIC_ARN", topic_arn)
            # Before any handler client exists: clients copy their session's handlers.
            strict = _strict_world(default_synth, topic_arn)
            strict.install(aws.session())
            FakePriceList().install(aws.session())  # moto has no Price List API
            service_quotas = FakeServiceQuotas()  # moto lists no SageMaker quota
            service_quotas.install(aws.session())
            _run_as_their_functions(monkeypatch, strict)
            _executions_exist(shared_client(session, "stepfunctions"))
            sagemaker = shared_client(session, "sagemaker")
            seed_endpoint(sagemaker, ENDPOINT_SPEC)
            package_arn = seed_model_package(sagemaker)
            yield World(
                sagemaker=sagemaker,
                dynamodb=dynamodb,
                sqs=sqs,
                queue_url=queue_url,
                topic_arn=topic_arn,
                package_arn=package_arn,
                fake=fake,
                session=session,
                strict=strict,
                service_quotas=service_quotas,
            )
            assert not strict.gaps, f"the strict world could not check: {strict.gaps}"
        finally:
            uninstall()
            _clear_caches()


@pytest.fixture
def steps(world: World, lambda_context: LambdaContext) -> Steps:
    return Steps(world, lambda_context)
