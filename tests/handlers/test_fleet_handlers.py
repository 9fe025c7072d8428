"""The fleet state machine's two steps against moto, in the strict world: Select Endpoints (which
endpoints, every ListEndpoints and ListTags page, the skipped ones and why, bad input, throttling)
and Summarize Fleet (the `(fleet)` record, one notification, its size).

Each handler runs as its own function of the synthesized template (the strict world checks every
call against that function's role and the service model), called with the payload the fleet state
machine sends it (infra/fleet.py):

- Select Endpoints: ``{"input": <fleet execution input>, "execution": {"id", "name", "startTime"}}``;
- Summarize Fleet: ``{"selection": <Select Endpoints' result>, "results": <the Map's, one
  {endpointName, childName, executionStatus[, error]} per child>, "childStateMachineArn": <the
  single-endpoint workflow's ARN>}``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters import aws
from recommender.adapters.aws import TOTAL_ATTEMPTS
from recommender.errors import InvalidExecutionInput, TransientAwsError
from recommender.handlers import select_endpoints, summarize_fleet
from recommender.logic.fleet import is_job_quota
from simulator.clock import SimulatedClock
from simulator.faults import FaultInjector
from simulator.seed import EndpointSpec, seed_endpoint, set_endpoint_status
from tests.handlers.faults_fixture import Backoff, backoff_fixture, faults_fixture  # noqa: F401
from tests.handlers.support import (
    ACCOUNT,
    ENDPOINT,
    REGION,
    START_TIME,
    STARTED_AT,
    STATE_MACHINE_ARN,
    TABLE_NAME,
    World,
    plain,
)
from tests.infra.support import FLEET, Synthesized, concrete_definition

FLEET_MACHINE = "ir-orchestrator-fleet"
FLEET_NAME = "weekly-fraud"
FLEET_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{FLEET_MACHINE}:{FLEET_NAME}"
CHILD_EXECUTIONS = STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")
# The endpoint tag naming the model package version an endpoint serves (README, "Fleet runs").
PACKAGE_TAG = "rightsize:model-package-version-arn"
PACKAGE_A = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/fraud-models/3"
PACKAGE_B = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/fraud-models/4"
NO_PACKAGE = (
    f"no model package: tag the endpoint {PACKAGE_TAG}=<model package version ARN> "
    "or name it in the input's modelPackages"
)
MISSING = "no such endpoint in this account and region"
SELECT = "recommender.handlers.select_endpoints"
SUMMARIZE = "recommender.handlers.summarize_fleet"


@pytest.fixture(autouse=True)
def as_their_functions(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fleet's handlers run as their own functions (conftest does this for the workflow's)."""
    for module in (select_endpoints, summarize_fleet):
        handler = module.lambda_handler

        def as_function(event: Any, context: Any, _handler: Any = handler, _name: str = module.__name__) -> Any:
            with world.strict.running(_name):
                return _handler(event, context)

        monkeypatch.setattr(module, "lambda_handler", as_function)


def child_name(endpoint: str, fleet: str = FLEET_NAME) -> str:
    """The documented child execution name, computed independently of recommender.logic.fleet:
    `<fleet execution name, at most 67 characters>-<12 hex of sha256("<fleet>#<endpoint, lower case>")>`."""
    digest = hashlib.sha256(f"{fleet}#{endpoint.lower()}".encode()).hexdigest()[:12]
    return f"{fleet[:67]}-{digest}"


def select_event(fleet_input: Any, name: str = FLEET_NAME) -> dict[str, Any]:
    return {
        "input": fleet_input,
        "execution": {
            "id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{FLEET_MACHINE}:{name}",
            "name": name,
            "startTime": START_TIME,
        },
    }


def endpoint(world: World, name: str, tags: dict[str, str] | None = None, status: str = "InService") -> str:
    """An endpoint (moto creates it InService) with its tags and status; returns its ARN."""
    seed_endpoint(world.sagemaker, EndpointSpec(name=name))
    arn = world.sagemaker.describe_endpoint(EndpointName=name)["EndpointArn"]
    if tags:
        world.sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    if status != "InService":
        set_endpoint_status(name, status, ACCOUNT, REGION)
    return arn


def child_input(endpoint_name: str, package: str, fleet: str = FLEET_NAME, **shared: Any) -> dict[str, Any]:
    """A child run's execution input: the fleet's shared fields (jobType is always there, `Default`
    unless given) and the trigger naming the fleet execution."""
    return {
        "endpointName": endpoint_name,
        "modelPackageVersionArn": package,
        "jobType": "Default",
        **shared,
        "trigger": f"fleet:{fleet}",
    }


def item(endpoint_name: str, package: str, **shared: Any) -> dict[str, Any]:
    return {
        "endpointName": endpoint_name,
        "childName": child_name(endpoint_name),
        "input": child_input(endpoint_name, package, **shared),
    }


class Requests:
    """What the handlers' SageMaker client sent for one operation (once per call, whatever botocore
    retried) and what it got back (each answered call)."""

    def __init__(self, operation: str) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answered: list[dict[str, Any]] = []
        events = aws.client("sagemaker").meta.events
        events.register(f"provide-client-params.sagemaker.{operation}", self._sent)
        events.register(f"after-call.sagemaker.{operation}", self._answered)

    def _sent(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(dict(params))

    def _answered(self, parsed: dict[str, Any], **_: Any) -> None:
        self.answered.append(parsed)


@pytest.fixture
def listed() -> Requests:
    return Requests("ListEndpoints")


@pytest.fixture
def tagged() -> Requests:
    return Requests("ListTags")


def operations(world: World) -> list[tuple[str, str, str]]:
    """Every call the handlers made (as the strict world evaluated it): (function's handler,
    operation, resource), each allowed."""
    assert world.strict.denied() == []
    return [(call.handler, call.operation, call.resource) for call in world.strict.calls]


def table_items(world: World) -> list[dict[str, Any]]:
    return [plain(i) for i in world.dynamodb.scan(TableName=TABLE_NAME, ConsistentRead=True)["Items"]]


# --------------------------------------------------------------------------- Select Endpoints
def test_selects_by_tags(
    world: World,
    listed: Requests,
    tagged: Requests,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLEET_MAX_CONCURRENT_JOBS", "4")  # the config's fleetMaxConcurrentJobs
    arns = {
        "fraud-a": endpoint(world, "fraud-a", {"team": "fraud", PACKAGE_TAG: PACKAGE_A}),
        "fraud-b": endpoint(world, "fraud-b", {"team": "fraud"}),  # no package tag
        "fraud-c": endpoint(world, "fraud-c", {"team": "fraud", PACKAGE_TAG: PACKAGE_A}, status="Updating"),
        "fraud-d": endpoint(world, "fraud-d", {"env": "prod", "team": "fraud", PACKAGE_TAG: PACKAGE_B}),
        "search-a": endpoint(world, "search-a", {"team": "search", PACKAGE_TAG: PACKAGE_A}),
    }
    arns[ENDPOINT] = world.sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointArn"]  # untagged

    selection = select_endpoints.lambda_handler(
        select_event({"tags": {"team": "fraud"}, "jobType": "Advanced", "jobDurationInSeconds": 3600}),
        lambda_context,
    )

    assert selection == {
        "fleetName": FLEET_NAME,
        "executionArn": FLEET_ARN,
        "startedAt": STARTED_AT,
        "trigger": "manual",
        "items": [
            item("fraud-a", PACKAGE_A, jobType="Advanced", jobDurationInSeconds=3600),
            item("fraud-d", PACKAGE_B, jobType="Advanced", jobDurationInSeconds=3600),
        ],
        "skipped": [
            {"endpointName": "fraud-b", "reason": NO_PACKAGE},
            {"endpointName": "fraud-c", "reason": "endpoint status is Updating"},
        ],
        "maxConcurrency": 4,
        "concurrencySource": "config",  # Service Quotas lists no job quota in this account
    }
    # One listing (under 100 endpoints: one page), and every endpoint's tags: they decide.
    assert listed.sent == [{"MaxResults": 100}]
    assert sorted(call["ResourceArn"] for call in tagged.sent) == sorted(arns.values())
    assert {call["MaxResults"] for call in tagged.sent} == {100}
    assert sorted(set(operations(world))) == sorted(
        {(SELECT, "ListEndpoints", "*"), (SELECT, "ListServiceQuotas", "*")}
        | {(SELECT, "ListTags", arn) for arn in arns.values()}
    )
    assert table_items(world) == []  # Select Endpoints writes nothing
    assert world.notifications() == []


def test_selects_by_name_prefix_with_the_input_mapping_over_and_beside_the_tag(
    world: World, listed: Requests, tagged: Requests, lambda_context: LambdaContext
) -> None:
    endpoint(world, "fraud-a", {PACKAGE_TAG: PACKAGE_A})  # the mapping overrides its tag
    endpoint(world, "fraud-b")  # no tag: the mapping fills in
    fraud_c = endpoint(world, "fraud-c", {PACKAGE_TAG: PACKAGE_A})  # the tag alone
    endpoint(world, "fraud-d", status="Creating")  # mapped, but not InService
    endpoint(world, "xfraud-z", {PACKAGE_TAG: PACKAGE_A})  # contains the prefix, does not start with it

    selection = select_endpoints.lambda_handler(
        select_event(
            {
                "namePrefix": "fraud-",
                "modelPackages": {"fraud-a": PACKAGE_B, "fraud-b": PACKAGE_B, "fraud-d": PACKAGE_B},
                "maxConcurrentJobs": 3,
            }
        ),
        lambda_context,
    )

    assert selection["items"] == [item("fraud-a", PACKAGE_B), item("fraud-b", PACKAGE_B), item("fraud-c", PACKAGE_A)]
    assert selection["skipped"] == [{"endpointName": "fraud-d", "reason": "endpoint status is Creating"}]
    assert selection["maxConcurrency"] == 3  # the input's maxConcurrentJobs beats the config's 10
    assert selection["concurrencySource"] == "input"
    # The service narrows the listing (NameContains); the code keeps the names that start with the
    # prefix, and reads tags only where no mapping names the package.
    assert listed.sent == [{"MaxResults": 100, "NameContains": "fraud-"}]
    assert sorted(e["EndpointName"] for e in listed.answered[0]["Endpoints"]) == [
        "fraud-a",
        "fraud-b",
        "fraud-c",
        "fraud-d",
        "xfraud-z",
    ]
    assert tagged.sent == [{"ResourceArn": fraud_c, "MaxResults": 100}]


def test_selects_an_explicit_list_and_skips_what_it_cannot_run(
    world: World, listed: Requests, tagged: Requests, lambda_context: LambdaContext
) -> None:
    arns = {
        "fraud-a": endpoint(world, "fraud-a", {PACKAGE_TAG: PACKAGE_A}),
        "fraud-b": endpoint(world, "fraud-b"),
        "fraud-c": endpoint(world, "fraud-c", {PACKAGE_TAG: PACKAGE_A}, status="Failed"),
        "search-a": endpoint(world, "search-a", {PACKAGE_TAG: PACKAGE_B}),
    }
    endpoint(world, "fraud-d", {PACKAGE_TAG: PACKAGE_A})  # not in the list

    selection = select_endpoints.lambda_handler(
        select_event(
            {"endpoints": ["FRAUD-A", "search-a", "gone", "fraud-c", "fraud-b"], "trigger": "schedule:weekly"}
        ),
        lambda_context,
    )

    assert selection == {
        "fleetName": FLEET_NAME,
        "executionArn": FLEET_ARN,
        "startedAt": STARTED_AT,
        "trigger": "schedule:weekly",
        # Names ignore case: FRAUD-A is fraud-a, run under the name the service gives it.
        "items": [item("fraud-a", PACKAGE_A), item("search-a", PACKAGE_B)],
        # The missing names first, then the listed endpoints in name order.
        "skipped": [
            {"endpointName": "gone", "reason": MISSING},
            {"endpointName": "fraud-b", "reason": NO_PACKAGE},
            {"endpointName": "fraud-c", "reason": "endpoint status is Failed"},
        ],
        "maxConcurrency": 10,  # the Settings default of fleetMaxConcurrentJobs
        "concurrencySource": "config",
    }
    assert listed.sent == [{"MaxResults": 100}]  # no prefix to narrow the listing
    assert sorted(call["ResourceArn"] for call in tagged.sent) == sorted(arns.values())  # the listed ones only


def test_reads_every_page_of_list_endpoints(world: World, listed: Requests, lambda_context: LambdaContext) -> None:
    """205 endpoints: three pages of at most 100 (the API's MaxResults), each asked for with the
    previous page's NextToken; an endpoint on the last page is selected like one on the first."""
    world.sagemaker.create_endpoint_config(
        EndpointConfigName="shared-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{ENDPOINT}-model",
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    names = [f"fleet-{i:03d}" for i in range(205)]
    for name in names:
        world.sagemaker.create_endpoint(EndpointName=name, EndpointConfigName="shared-config")
    packages = dict.fromkeys(names, PACKAGE_A)  # no tags to read

    selection = select_endpoints.lambda_handler(
        select_event({"namePrefix": "fleet-", "modelPackages": packages}), lambda_context
    )

    assert [i["endpointName"] for i in selection["items"]] == names
    assert selection["items"][-1] == item("fleet-204", PACKAGE_A)
    assert selection["skipped"] == []
    assert [len(page["Endpoints"]) for page in listed.answered] == [100, 100, 5]
    tokens = [page.get("NextToken") for page in listed.answered]
    assert tokens[0]
    assert tokens[1]
    assert tokens[2] is None
    assert listed.sent == [
        {"MaxResults": 100, "NameContains": "fleet-"},
        {"MaxResults": 100, "NameContains": "fleet-", "NextToken": tokens[0]},
        {"MaxResults": 100, "NameContains": "fleet-", "NextToken": tokens[1]},
    ]
    assert [op for _, op, _ in operations(world)] == ["ListEndpoints"] * 3 + ["ListServiceQuotas"]


def test_reads_every_page_of_an_endpoints_tags(world: World, tagged: Requests, lambda_context: LambdaContext) -> None:
    """An endpoint has at most 50 tags of its own, plus `aws:` tags that do not count (CloudFormation
    adds 3), so 100 a page (what the code asks for) reads them at once; the service may still
    answer in shorter pages with a NextToken. Here it pages at the API's minimum, 50, and the
    model package tag is on the second page."""
    tags = {"aws:cloudformation:stack-name": "models", "aws:cloudformation:logical-id": "Endpoint"}
    tags |= {"aws:cloudformation:stack-id": "arn:aws:cloudformation:us-east-1:123456789012:stack/models/1"}
    tags |= {f"cost-centre-{i:02d}": "x" for i in range(49)}
    arn = endpoint(world, "fraud-a", tags)
    world.sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": PACKAGE_TAG, "Value": PACKAGE_A}])  # the 53rd
    assert len(world.sagemaker.list_tags(ResourceArn=arn, MaxResults=100)["Tags"]) == 53

    def pages_of_50(params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**params, "MaxResults": 50}

    aws.client("sagemaker").meta.events.register_last("provide-client-params.sagemaker.ListTags", pages_of_50)

    selection = select_endpoints.lambda_handler(select_event({"endpoints": ["fraud-a"]}), lambda_context)

    assert selection["items"] == [item("fraud-a", PACKAGE_A)]
    assert selection["skipped"] == []
    assert [len(page["Tags"]) for page in tagged.answered] == [50, 3]
    token = tagged.answered[0]["NextToken"]
    assert tagged.sent == [
        {"ResourceArn": arn, "MaxResults": 100},
        {"ResourceArn": arn, "MaxResults": 100, "NextToken": token},
    ]


FLEET_INPUT_KEYS = (
    "allowLiveTraffic, endpoints, jobDescription, jobDurationInSeconds, jobType, maxConcurrentJobs, "
    "maxModelLatencyMs, modelPackages, namePrefix, resourceLimit, stoppingConditions, tags, trafficPattern, trigger"
)


@pytest.mark.parametrize(
    ("raw", "problems"),
    [
        ([{"tags": {"team": "fraud"}}], ["the fleet input must be a JSON object, got list"]),
        ({}, ["give exactly one of tags, namePrefix, endpoints (got none)"]),
        (
            {"tags": {"team": "fraud"}, "endpoints": ["fraud-a"]},
            ["give exactly one of tags, namePrefix, endpoints (got tags, endpoints)"],
        ),
        ({"tags": {}}, ["tags: Dictionary should have at least 1 item after validation, not 0"]),
        ({"endpoints": []}, ["endpoints: List should have at least 1 item after validation, not 0"]),
        ({"namePrefix": ""}, ["namePrefix: String should have at least 1 character"]),
        # ListEndpoints' NameContains takes [a-zA-Z0-9-]+ only: refused here, not by SageMaker.
        (
            {"namePrefix": "fraud_"},
            ["namePrefix: must be the start of a SageMaker endpoint name: letters, digits and hyphens only"],
        ),
        (
            {"namePrefix": "fraud-", "modelPackages": {"fraud-a": "fraud-models", "fraud-b": PACKAGE_A}},
            ["modelPackages: not versioned model package ARNs for fraud-a"],
        ),
        (
            {"namePrefix": "fraud-", "maxConcurrentJobs": 0},
            ["maxConcurrentJobs: Input should be greater than or equal to 1"],
        ),
        ({"namePrefix": "fraud-", "trigger": "fleet:x"}, ['trigger: must be "manual" or "schedule:<schedule name>"']),
        (
            {"namePrefix": "fraud-", "endpointName": "fraud-a", "jobType": "Huge"},
            [
                "jobType: Input should be 'Default' or 'Advanced'",
                f"endpointName: unknown key (allowed keys: {FLEET_INPUT_KEYS})",
            ],
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_rule_before_any_call(
    world: World, raw: Any, problems: list[str], lambda_context: LambdaContext
) -> None:
    with pytest.raises(InvalidExecutionInput) as raised:
        select_endpoints.lambda_handler(select_event(raw), lambda_context)

    assert str(raised.value) == "\n".join(["Invalid execution input", *(f"- {p}" for p in problems)])
    assert world.strict.calls == []  # nothing listed, nothing written, nothing published
    assert table_items(world) == []
    assert world.notifications() == []


def test_throttled_list_endpoints_is_retried_by_botocore(
    world: World, listed: Requests, faults: FaultInjector, backoff: Backoff, lambda_context: LambdaContext
) -> None:
    """SageMaker's throttling answer (ThrottlingException, 400) is retried by botocore's standard
    mode: throttled on 3 of its 4 attempts, the step still selects, with one call as the code sees it."""
    endpoint(world, "fraud-a", {PACKAGE_TAG: PACKAGE_A})
    faults.throttle("sagemaker", "ListEndpoints", times=TOTAL_ATTEMPTS - 1)

    selection = select_endpoints.lambda_handler(select_event({"namePrefix": "fraud-"}), lambda_context)

    assert selection["items"] == [item("fraud-a", PACKAGE_A)]
    assert [(f.operation, f.fault) for f in faults.injected] == [("ListEndpoints", "ThrottlingException")] * 3
    assert faults.faults_left() == {("sagemaker", "ListEndpoints"): 0}
    assert len(backoff.slept) == 3  # botocore's backoff between the 4 attempts (recorded, not slept)
    assert listed.sent == [{"MaxResults": 100, "NameContains": "fraud-"}]


def test_list_endpoints_throttled_past_botocores_retries_is_left_to_the_state_machine(
    world: World,
    listed: Requests,
    faults: FaultInjector,
    lambda_context: LambdaContext,
    default_synth: Synthesized,
) -> None:
    """Throttled on every attempt: the step raises TransientAwsError, which the fleet state
    machine's Retry on Select Endpoints names (InvalidExecutionInput it does not: final); the
    retried invocation selects the same endpoints, as nothing was written."""
    endpoint(world, "fraud-a", {PACKAGE_TAG: PACKAGE_A})
    faults.throttle("sagemaker", "ListEndpoints", times=TOTAL_ATTEMPTS)

    with pytest.raises(
        TransientAwsError,
        match=r"^transient AWS error, retry later: An error occurred \(ThrottlingException\) when calling the "
        r"ListEndpoints operation \(reached max retries: 3\)",
    ):
        select_endpoints.lambda_handler(select_event({"namePrefix": "fraud-"}), lambda_context)

    assert faults.faults_left() == {("sagemaker", "ListEndpoints"): 0}
    [retrier] = concrete_definition(default_synth.template, FLEET)["States"]["Select Endpoints"]["Retry"]
    assert "TransientAwsError" in retrier["ErrorEquals"]
    assert "InvalidExecutionInput" not in retrier["ErrorEquals"]
    assert (retrier["MaxAttempts"], retrier["IntervalSeconds"], retrier["BackoffRate"]) == (6, 2, 2)
    assert table_items(world) == []

    again = select_endpoints.lambda_handler(select_event({"namePrefix": "fraud-"}), lambda_context)

    assert again["items"] == [item("fraud-a", PACKAGE_A)]
    assert listed.sent == [{"MaxResults": 100, "NameContains": "fraud-"}] * 2


# --------------------------------------------------------------------------- Summarize Fleet
CHILD_STARTED_AT = "2026-11-25T03:00:05Z"
FLEET_KEY = f"FLEET#{STARTED_AT}#{FLEET_NAME}"
FLEET_ATTRIBUTES = {"kind": "fleet", "status": "COMPLETED", "fleetName": FLEET_NAME}


def selection_of(endpoints: list[str], skipped: list[dict[str, str]], max_concurrency: int = 10) -> dict[str, Any]:
    """Select Endpoints' result for these endpoints (as the fleet state machine passes it on)."""
    return {
        "fleetName": FLEET_NAME,
        "executionArn": FLEET_ARN,
        "startedAt": STARTED_AT,
        "trigger": "manual",
        "items": [item(name, PACKAGE_A) for name in endpoints],
        "skipped": skipped,
        "maxConcurrency": max_concurrency,
        "concurrencySource": "input",
    }


def result(endpoint_name: str, status: str) -> dict[str, Any]:
    """One child's line in the Map's results (Child Done, or Child Failed with the caught error)."""
    line = {"endpointName": endpoint_name, "childName": child_name(endpoint_name), "executionStatus": status}
    return line | ({"error": "States.TaskFailed"} if status == "FAILED" else {})


def summarize_event(selection: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"selection": selection, "results": results, "childStateMachineArn": STATE_MACHINE_ARN}


def run_item(
    world: World,
    endpoint_name: str,
    status: str,
    *,
    verdict: dict[str, Any] | None = None,
    failure_reason: str | None = None,
    execution_arn: str | None = None,
    started_at: str = CHILD_STARTED_AT,
) -> None:
    """The run item a child run wrote (raw DynamoDB, as Publish Results / Record Failure write it)."""
    job = f"ir-orchestrator-{hashlib.sha256(f'{endpoint_name}{started_at}'.encode()).hexdigest()[:16]}-{endpoint_name}"
    raw: dict[str, Any] = {
        "endpointName": {"S": endpoint_name},
        "runKey": {"S": f"RUN#{started_at}#{job}"},
        "status": {"S": status},
        "jobName": {"S": job},
        "jobType": {"S": "Default"},
        "startedAt": {"S": started_at},
        "executionArn": {"S": execution_arn or f"{CHILD_EXECUTIONS}:{child_name(endpoint_name)}"},
        "trigger": {"S": f"fleet:{FLEET_NAME}"},
        "notifiedAt": {"S": started_at},
    }
    if verdict is not None:
        raw["verdict"] = {
            "M": {k: {"N": str(v)} if isinstance(v, int | float) else {"S": v} for k, v in verdict.items()}
        }
    if failure_reason is not None:
        raw["failureReason"] = {"S": failure_reason}
    world.put_item(raw)


def change(instance_type: str, count: int, savings: float) -> dict[str, Any]:
    return {
        "decision": "CHANGE",
        "instanceType": instance_type,
        "instanceCount": count,
        "monthlySavings": savings,
        "reason": "cheaper at the observed peak",
    }


INELIGIBLE = "Endpoint is not eligible for an Inference Recommender job: fraud-g"
FAILED_JOB = "job ir-orchestrator-x-fraud-d failed: Model container crashed."


@pytest.fixture
def fleet_runs(world: World) -> dict[str, Any]:
    """Seven children of a fleet and what each left in the table, and two skipped endpoints; the
    event Summarize Fleet gets."""
    names = ["fraud-a", "fraud-b", "fraud-c", "fraud-d", "fraud-e", "fraud-f", "fraud-g"]
    run_item(world, "fraud-a", "COMPLETED", verdict=change("ml.c6i.xlarge", 2, 224.84))
    # fraud-a's run of last week's fleet (another execution): not this fleet's.
    run_item(
        world,
        "fraud-a",
        "COMPLETED",
        verdict=change("ml.c6i.large", 4, 999.0),
        execution_arn=f"{CHILD_EXECUTIONS}:last-week-{child_name('fraud-a')}",
        started_at="2026-11-18T03:00:05Z",
    )
    run_item(world, "fraud-b", "COMPLETED", verdict=change("ml.m5.2xlarge", 1, -100.0))  # forced: costs more
    run_item(
        world,
        "fraud-c",
        "COMPLETED",
        verdict={"decision": "KEEP", "instanceType": "ml.m5.xlarge", "instanceCount": 2, "reason": "already right"},
    )
    run_item(world, "fraud-d", "FAILED", failure_reason=FAILED_JOB)
    # fraud-e's child failed before it wrote anything.
    run_item(world, "fraud-f", "COMPLETED", verdict=change("ml.c6i.xlarge", 1, 75.16))
    run_item(world, "fraud-g", "REJECTED", failure_reason=INELIGIBLE)  # ineligible
    skipped = [{"endpointName": "gone", "reason": MISSING}, {"endpointName": "fraud-x", "reason": NO_PACKAGE}]
    statuses = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "FAILED", "SUCCEEDED", "FAILED"]
    return summarize_event(
        selection_of(names, skipped, max_concurrency=3),
        [result(name, status) for name, status in zip(names, statuses, strict=True)],
    )


def fleet_record(world: World) -> dict[str, Any] | None:
    return world.item("(fleet)", FLEET_KEY)


EXPECTED_RUNS = [
    {
        "endpointName": "fraud-a",
        "childName": child_name("fraud-a"),
        "executionStatus": "SUCCEEDED",
        "status": "COMPLETED",
        "decision": "CHANGE",
        "instanceType": "ml.c6i.xlarge",
        "instanceCount": 2,
        "monthlySavings": 224.84,
    },
    {
        "endpointName": "fraud-b",
        "childName": child_name("fraud-b"),
        "executionStatus": "SUCCEEDED",
        "status": "COMPLETED",
        "decision": "CHANGE",
        "instanceType": "ml.m5.2xlarge",
        "instanceCount": 1,
        "monthlySavings": -100,
    },
    {
        "endpointName": "fraud-c",
        "childName": child_name("fraud-c"),
        "executionStatus": "SUCCEEDED",
        "status": "COMPLETED",
        "decision": "KEEP",
        "instanceType": "ml.m5.xlarge",
        "instanceCount": 2,
    },
    {
        "endpointName": "fraud-d",
        "childName": child_name("fraud-d"),
        "executionStatus": "FAILED",
        "status": "FAILED",
        "failureReason": FAILED_JOB,
    },
    {"endpointName": "fraud-e", "childName": child_name("fraud-e"), "executionStatus": "FAILED"},
    {
        "endpointName": "fraud-f",
        "childName": child_name("fraud-f"),
        "executionStatus": "SUCCEEDED",
        "status": "COMPLETED",
        "decision": "CHANGE",
        "instanceType": "ml.c6i.xlarge",
        "instanceCount": 1,
        "monthlySavings": 75.16,
    },
    {
        "endpointName": "fraud-g",
        "childName": child_name("fraud-g"),
        "executionStatus": "FAILED",
        "status": "REJECTED",
        "failureReason": INELIGIBLE,
    },
]


def test_summarizes_the_fleet_in_one_record_and_one_message(
    world: World, fleet_runs: dict[str, Any], clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    clock.advance(5 * 3600)

    output = summarize_fleet.lambda_handler(fleet_runs, lambda_context)

    # Savings if every CHANGE that saves were applied: 224.84 + 75.16 (fraud-b's CHANGE costs more).
    assert output == {"fleetName": FLEET_NAME, "runs": 7, "totalMonthlySavings": 300.0}
    finished = "2026-11-25T08:00:00Z"
    stored = {
        "fleetName": FLEET_NAME,
        "executionArn": FLEET_ARN,
        "startedAt": STARTED_AT,
        "finishedAt": finished,
        "trigger": "manual",
        "runs": EXPECTED_RUNS,
        "skipped": [{"endpointName": "gone", "reason": MISSING}, {"endpointName": "fraud-x", "reason": NO_PACKAGE}],
        "totalMonthlySavings": 300,
        "maxConcurrency": 3,
        "concurrencySource": "input",
    }
    assert fleet_record(world) == {"endpointName": "(fleet)", "runKey": FLEET_KEY, **stored, "notifiedAt": finished}
    # The children's own run items are left as they were.
    assert [run["status"] for run in world.runs("fraud-a")] == ["COMPLETED", "COMPLETED"]

    [message] = world.notifications()
    assert message.subject == "Fleet weekly-fraud: 7 runs, 3 CHANGE, saves $300/month"
    assert message.attributes == FLEET_ATTRIBUTES
    assert message.body == {**stored, "totalMonthlySavings": 300.0}
    [document] = world.published_documents()
    assert set(document) == {"default", "email"}
    rows = [
        ("fraud-a", "COMPLETED", "CHANGE ml.c6i.xlarge x2", "224.84"),
        ("fraud-b", "COMPLETED", "CHANGE ml.m5.2xlarge x1", "-100.00"),
        ("fraud-c", "COMPLETED", "KEEP ml.m5.xlarge x2", "-"),
        ("fraud-d", "FAILED", "-", "-"),
        ("fraud-e", "FAILED", "-", "-"),
        ("fraud-f", "COMPLETED", "CHANGE ml.c6i.xlarge x1", "75.16"),
        ("fraud-g", "REJECTED", "-", "-"),
    ]
    table = [f"{name:<40} {run:<10} {verdict:<28} {saves:>14}" for name, run, verdict, saves in rows]
    table.insert(4, f"    {FAILED_JOB}")
    table.append(f"    {INELIGIBLE}")
    assert document["email"] == "\n".join(
        [
            "Fleet run weekly-fraud: 7 runs (4 completed), 2 endpoints skipped; at most 3 jobs at once"
            " (the fleet input)",
            f"Started {STARTED_AT}, finished {finished}; trigger manual",
            "",
            "Savings if every CHANGE verdict were applied: $300.00/month",
            "",
            f"{'endpoint':<40} {'run':<10} {'verdict':<28} {'saves $/month':>14}",
            "-" * 95,
            *table,
            "",
            "Skipped:",
            f"  gone: {MISSING}",
            f"  fraud-x: {NO_PACKAGE}",
            "",
        ]
    )
    # Summarize Fleet reads the children's run items, writes its own and publishes: nothing else.
    assert {(handler, op) for handler, op, _ in operations(world)} == {
        (SUMMARIZE, "Query"),
        (SUMMARIZE, "PutItem"),
        (SUMMARIZE, "UpdateItem"),
        (SUMMARIZE, "Publish"),
    }


def test_invoked_twice_it_notifies_once_and_keeps_the_first_record(
    world: World, fleet_runs: dict[str, Any], clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """The state machine retries Summarize Fleet when its Lambda reports an error after SNS took the
    message (a timeout, say): the same event again publishes nothing and rewrites nothing."""
    clock.advance(5 * 3600)
    first = summarize_fleet.lambda_handler(fleet_runs, lambda_context)
    recorded = fleet_record(world)
    clock.advance(90)

    again = summarize_fleet.lambda_handler(fleet_runs, lambda_context)

    assert again == first
    assert fleet_record(world) == recorded
    assert recorded is not None
    assert recorded["finishedAt"] == recorded["notifiedAt"] == "2026-11-25T08:00:00Z"
    assert len(world.notifications()) == 1
    assert len(world.published_documents()) == 1


def test_a_notification_sns_refused_is_sent_by_the_retry(
    world: World,
    fleet_runs: dict[str, Any],
    clock: SimulatedClock,
    faults: FaultInjector,
    lambda_context: LambdaContext,
) -> None:
    """SNS throttled every attempt of the first invocation (its real answer, Throttled, 429): the
    record is stored but not marked notified, and the state machine's retry (TransientAwsError)
    writes it again with its own finish time and publishes it, once."""
    clock.advance(5 * 3600)
    faults.fault("sns", "Publish", "Throttled", times=TOTAL_ATTEMPTS)
    with pytest.raises(TransientAwsError, match=r"\(Throttled\) when calling the Publish operation"):
        summarize_fleet.lambda_handler(fleet_runs, lambda_context)
    unnotified = fleet_record(world)
    assert unnotified is not None
    assert "notifiedAt" not in unnotified
    assert world.notifications() == []
    clock.advance(60)

    summarize_fleet.lambda_handler(fleet_runs, lambda_context)

    retried = fleet_record(world)
    assert retried == {**unnotified, "finishedAt": "2026-11-25T08:01:00Z", "notifiedAt": "2026-11-25T08:01:00Z"}
    [message] = world.notifications()
    assert message.body["finishedAt"] == "2026-11-25T08:01:00Z"


SNS_LIMIT = 256 * 1024  # bytes of one message, its attributes included


def published_sizes(world: World) -> list[int]:
    """Each message published to the topic, in bytes: the message, its subject and its attributes
    (an upper bound of what SNS counts against its limit)."""
    from moto.sns.models import sns_backends

    topic = sns_backends[ACCOUNT][REGION].topics[world.topic_arn]
    return [
        len(message.encode()) + len((subject or "").encode()) + len(json.dumps(attributes or {}).encode())
        for _, message, subject, attributes, _ in topic.sent_notifications
    ]


def long_reason(name: str) -> str:
    """A job that failed on every benchmark: ~1,900 characters."""
    benchmarks = "; ".join(
        f"failed benchmark ml.{family}.{size}: the model container ran out of memory while loading the model"
        for family in ("c5", "c6i", "m5", "r5")
        for size in ("large", "xlarge", "2xlarge", "4xlarge")
    )
    return f"job ir-orchestrator-0123456789abcdef-{name} failed: AlgorithmError: see the benchmarks; {benchmarks}"


def test_a_summary_too_large_for_one_message_says_what_it_leaves_out(
    world: World, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """500 children (about what one inline Map carries, README) that all failed with ~1,900-character
    reasons, and 20 skipped endpoints. The record keeps every run, each reason cut to 300
    characters (the child's run item keeps it whole), within DynamoDB's 400 KB; the message keeps
    the runs that fit (halving: 500 runs are ~450 KB, 250 ~225 KB) and says how many it leaves out,
    and which."""
    names = [f"fraud-detector-realtime-endpoint-{i:03d}" for i in range(500)]
    for name in names:
        run_item(world, name, "FAILED", failure_reason=long_reason(name))
    skipped = [{"endpointName": f"fraud-untagged-{i:02d}", "reason": NO_PACKAGE} for i in range(20)]
    event = summarize_event(selection_of(names, skipped), [result(name, "FAILED") for name in names])
    assert len(json.dumps(event)) < SNS_LIMIT  # the state the Map hands on fits Step Functions' 256 KB
    clock.advance(3600)

    output = summarize_fleet.lambda_handler(event, lambda_context)

    assert output == {"fleetName": FLEET_NAME, "runs": 500, "totalMonthlySavings": 0}
    record = fleet_record(world)
    assert record is not None
    cut = [long_reason(name)[:299] + "…" for name in names]
    assert [(run["endpointName"], run["failureReason"]) for run in record["runs"]] == list(zip(names, cut, strict=True))
    assert len(record["skipped"]) == 20
    assert record["notifiedAt"] == "2026-11-25T04:00:00Z"
    assert world.runs(names[0])[0]["failureReason"] == long_reason(names[0])

    [message] = world.notifications()
    [size] = published_sizes(world)
    assert size <= SNS_LIMIT
    assert message.subject == "Fleet weekly-fraud: 500 runs, 0 CHANGE"
    assert message.attributes == FLEET_ATTRIBUTES
    assert message.body["runsOmitted"] == 250
    assert message.body["runs"] == [
        {key: value for key, value in run.items() if value is not None} for run in record["runs"][:250]
    ]
    assert "skippedOmitted" not in message.body
    assert message.body["skipped"] == skipped
    [document] = world.published_documents()
    email = document["email"]
    assert email.startswith(
        "Fleet run weekly-fraud: 500 runs (0 completed), 20 endpoints skipped; at most 10 jobs at once"
        " (the fleet input)\n"
    )
    assert email.count("\nfraud-detector-realtime-endpoint-") == 250
    assert (
        "\n... and 250 more runs (fraud-detector-realtime-endpoint-250 to fraud-detector-realtime-endpoint-499), "
        "left out of this message by its size limit: `rightsize fleet status weekly-fraud` and the fleet's record "
        "(partition (fleet)) have them all\n\nSkipped:\n"
    ) in email
    assert email.endswith(f"  fraud-untagged-19: {NO_PACKAGE}\n")


def test_skipped_endpoints_too_many_for_one_message_are_cut_too(world: World, lambda_context: LambdaContext) -> None:
    """A tag selects 1,100 endpoints and none names its model package: no run, and a skipped list
    that fits the fleet's state (~225 KB) but not one message with its table (~430 KB): the message
    keeps the first half and says how many it leaves out."""
    skipped = [{"endpointName": f"fraud-realtime-endpoint-{i:04d}", "reason": NO_PACKAGE} for i in range(1100)]
    event = summarize_event(selection_of([], skipped), [])
    assert len(json.dumps(event)) < SNS_LIMIT

    output = summarize_fleet.lambda_handler(event, lambda_context)

    assert output == {"fleetName": FLEET_NAME, "runs": 0, "totalMonthlySavings": 0}
    record = fleet_record(world)
    assert record is not None
    assert record["skipped"] == skipped
    [message] = world.notifications()
    [size] = published_sizes(world)
    assert size <= SNS_LIMIT
    assert message.subject == "Fleet weekly-fraud: 0 runs, 0 CHANGE"
    assert message.body["runs"] == []
    assert "runsOmitted" not in message.body
    assert message.body["skipped"] == skipped[:550]
    assert message.body["skippedOmitted"] == 550
    [document] = world.published_documents()
    assert document["email"].startswith(
        "Fleet run weekly-fraud: 0 runs (0 completed), 1100 endpoints skipped; at most 10 jobs at once"
        " (the fleet input)\n"
    )
    assert document["email"].endswith(
        f"  fraud-realtime-endpoint-0549: {NO_PACKAGE}\n"
        "... and 550 more skipped endpoints (fraud-realtime-endpoint-0550 to fraud-realtime-endpoint-1099), left out "
        "of this message by its size limit: `rightsize fleet status weekly-fraud` and the fleet's record "
        "(partition (fleet)) have them all\n"
    )


# --------------------------------------------------------------------------- the cap: Service Quotas
def select_tagged(world: World, lambda_context: LambdaContext, **fleet_input: Any) -> dict[str, Any]:
    endpoint(world, "fraud-a", {"team": "fraud", PACKAGE_TAG: PACKAGE_A})
    event = select_event({"tags": {"team": "fraud"}, **fleet_input})
    result: dict[str, Any] = select_endpoints.lambda_handler(event, lambda_context)
    return result


def test_the_cap_is_the_accounts_quota_in_service_quotas_every_page_read(
    world: World, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEET_MAX_CONCURRENT_JOBS", "4")
    world.service_quotas.concurrent_jobs = 7
    world.service_quotas.filler = 150  # the job quota is on the second page of 100

    selection = select_tagged(world, lambda_context)

    assert (selection["maxConcurrency"], selection["concurrencySource"]) == (7, "service-quotas")
    assert world.service_quotas.calls == [
        {"ServiceCode": "sagemaker", "MaxResults": 100},
        {"ServiceCode": "sagemaker", "MaxResults": 100, "NextToken": "100"},
    ]
    # Authorized as Select Endpoints' own role (the strict world), on "*".
    calls = [c for c in world.strict.calls if c.action == "servicequotas:ListServiceQuotas"]
    assert [(c.handler, c.resource, c.allowed) for c in calls] == [(SELECT, "*", True)] * 2


def test_the_load_test_quota_is_not_the_job_quota(world: World, lambda_context: LambdaContext) -> None:
    """The listing has "Maximum number of concurrent load tests per inference recommendations job"
    (10) and no job quota: the configured cap applies."""
    world.service_quotas.concurrent_jobs = None

    selection = select_tagged(world, lambda_context)

    assert (selection["maxConcurrency"], selection["concurrencySource"]) == (10, "config")


def test_the_inputs_cap_beats_the_quota_and_skips_the_lookup(world: World, lambda_context: LambdaContext) -> None:
    world.service_quotas.concurrent_jobs = 7

    selection = select_tagged(world, lambda_context, maxConcurrentJobs=2)

    assert (selection["maxConcurrency"], selection["concurrencySource"]) == (2, "input")
    assert world.service_quotas.calls == []


@pytest.mark.parametrize("fault", ["AccessDeniedException", "TooManyRequestsException", "NoSuchResourceException"])
def test_service_quotas_refusing_falls_back_to_the_configured_cap(
    world: World, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """Not permitted (an SCP), throttled past botocore's retries, or not knowing the service: the
    fleet still runs, at the configured cap (a child over the real quota waits for a slot)."""
    monkeypatch.setenv("FLEET_MAX_CONCURRENT_JOBS", "5")
    world.service_quotas.concurrent_jobs = 7
    world.service_quotas.fault = fault

    selection = select_tagged(world, lambda_context)

    assert (selection["maxConcurrency"], selection["concurrencySource"]) == (5, "config")
    assert [item["endpointName"] for item in selection["items"]] == ["fraud-a"]


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("Number of concurrent inference recommendations jobs", True),
        ("Number of concurrent Inference Recommender jobs", True),
        ("Maximum number of concurrent inference recommendation jobs", True),
        ("Maximum number of concurrent load tests per inference recommendations job", False),
        ("Number of concurrent training jobs", False),
        ("Number of inference recommendations jobs", False),
    ],
)
def test_which_quota_is_the_job_quota(name: str, matches: bool) -> None:
    assert is_job_quota(name) is matches
