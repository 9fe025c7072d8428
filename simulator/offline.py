"""Run the synthesized stack offline: moto deploys the real template and executes the real
state machine; this module supplies the seams (design.md, "Offline end-to-end").

- Lambda: moto's `LambdaFunction._invoke_lambda` (Docker) is replaced by an in-process call of the
  function's handler, from its asset directory in cdk.out, with the function's environment.
- Assets: each `cdk.out/asset.<hash>` directory is zipped into the bootstrap bucket before
  `create_stack`, with the bootstrap version parameter.
- Inference Recommender: `simulator.fake_recommender` on moto's SageMaker.
- Time: Wait states and Retry intervals advance a `SimulatedClock` instead of sleeping, so a
  two-hour job runs in seconds while the state machine's own poll schedule is the real one. With
  ``timeline=True`` they sleep on a discrete-event clock instead (`simulator.timeline`), so the
  waits of executions running side by side (a fleet's children) overlap rather than add up.
- Strict: every request a function sends is checked against the service model and evaluated
  against that function's own role from the template (`simulator.strict`): a request AWS would
  refuse fails as AWS fails it. `strict` holds every evaluated call.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import os
import time
import traceback
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from simulator import fast_metrics
from simulator.clock import DEFAULT_START, SimulatedClock
from simulator.fake_pricing import FakePriceList
from simulator.fake_quotas import FakeServiceQuotas
from simulator.fake_recommender import FakeInferenceRecommender, install, uninstall
from simulator.faults import FAULT_HEADER, Fault, FaultInjector, throttling_fault
from simulator.strict import StrictWorld
from simulator.strict.worlds import for_deployed_stack
from simulator.timeline import HandOffLock, Timeline, timed

ACCOUNT = "123456789012"
REGION = "us-east-1"
BOOTSTRAP_QUALIFIER = "hnb659fds"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


@dataclass
class Invocation:
    """One in-process Lambda invocation, as the simulator saw it."""

    function: str
    handler: str
    event: Any
    result: Any
    errored: bool
    duration_ms: float
    at: datetime
    output: str = ""


@dataclass
class Deployment:
    stack_name: str
    outputs: dict[str, str]
    resources: dict[str, tuple[str, str]]  # logical id -> (type, physical id)
    state_machine_arn: str
    table_name: str
    topic_arn: str
    functions: dict[str, str] = field(default_factory=dict)  # handler module -> function name
    fleet_state_machine_arn: str = ""

    def function_for(self, step: str) -> str:
        return self.functions[f"recommender.handlers.{step}"]


def _pascal_keys(value: Any) -> Any:
    """A response's top-level members in PascalCase."""
    if not isinstance(value, dict):
        return value
    return {key[:1].upper() + key[1:]: item for key, item in value.items()}


@functools.cache
def botocore_session() -> Any:
    """A botocore session for reading service models (never for calls)."""
    import botocore.session

    return botocore.session.get_session()


class OfflineStack:
    """Deploy `cdk.out/<stack>.template.json` into moto and drive executions of its state machine.

    Use as a context manager; everything (moto, the clock, the fake, the seams) is undone on exit.
    """

    def __init__(
        self, cdk_out: Path, stack_name: str, *, start: datetime | None = None, timeline: bool = False
    ) -> None:
        self.cdk_out = cdk_out
        self.stack_name = stack_name
        self.clock = SimulatedClock(start) if start else SimulatedClock()
        # Concurrent executions (a fleet) need the discrete-event clock; one at a time, the plain one.
        self.timeline: Timeline | None = Timeline(self.clock) if timeline else None
        self.clock_started: datetime = start or DEFAULT_START
        self.invocations: list[Invocation] = []
        self.fake: FakeInferenceRecommender
        self.deployment: Deployment
        self.strict: StrictWorld  # the functions' roles and the service models, enforced
        self.price_list = FakePriceList()  # the on-demand prices the Price List API answers with
        self.service_quotas = FakeServiceQuotas()  # what Service Quotas lists for SageMaker
        self._stack = contextlib.ExitStack()
        self._invoke_lock = HandOffLock()  # a thread waiting for it is blocked, to the timeline
        self.faults = FaultInjector(_handler_client)  # see `fault`
        self.skipped: dict[str, str] = {}  # logical id -> type left out of the offline deployment
        self._touched_env: dict[str, str | None] = {}

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> OfflineStack:
        try:
            self._open()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _open(self) -> None:
        stack = self._stack
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            stack.enter_context(_env(key, value))
        stack.callback(self._restore_env)
        stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        stack.enter_context(self.clock)
        self.fake = install()
        stack.callback(uninstall)
        fast_metrics.install()  # two weeks of one-minute traffic, queried in a second, not a minute
        stack.callback(fast_metrics.uninstall)
        stack.enter_context(self._seams())
        self.deployment = self._deploy()
        self._register_state_machine()
        template = json.loads((self.cdk_out / f"{self.stack_name}.template.json").read_text())
        self.strict = for_deployed_stack(template, self.stack_name, account=ACCOUNT, region=REGION)
        # Clients and settings are cached per execution environment; this world is a new one.
        self._reset_handler_caches()
        if self.timeline is not None:
            self.timeline.start()
            stack.callback(self.timeline.stop)

    def _restore_env(self) -> None:
        for key, value in self._touched_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._touched_env.clear()

    # ------------------------------------------------------------------ seams
    @contextlib.contextmanager
    def _seams(self) -> Iterator[None]:
        import botocore.endpoint
        from moto.awslambda.models import LambdaFunction
        from moto.core.botocore_stubber import BotocoreStubber
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
            StateTaskServiceSfn,
        )
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

        simulator = self
        normalise_sfn = StateTaskServiceSfn._normalise_parameters

        def sfn_parameters(task: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            """The states:startExecution integration takes the API's members in PascalCase
            (StateMachineArn, Input, Name) and Step Functions maps them to the API's own names;
            moto's port hands them to botocore unmapped (KeyError 'Input'). Map them as AWS does."""
            normalise_sfn(task, parameters, *args, **kwargs)
            operation = (
                botocore_session()
                .get_service_model("stepfunctions")
                .operation_model("".join(part.capitalize() for part in task._get_boto_service_action().split("_")))
            )
            members = {name.lower(): name for name in operation.input_shape.members}
            for key in list(parameters):
                if key not in members.values() and key.lower() in members:
                    parameters[members[key.lower()]] = parameters.pop(key)

        eval_sfn = StateTaskServiceSfn._eval_service_task

        def sfn_answer(task: Any, env: Any, *args: Any, **kwargs: Any) -> None:
            """...and answers with the API's members in PascalCase (ExecutionArn, StartDate), which
            moto's port reads but does not produce."""
            eval_sfn(task, env, *args, **kwargs)
            env.stack.append(_pascal_keys(env.stack.pop()))

        def sfn_response(task: Any, response: Any, *args: Any, **kwargs: Any) -> None:
            """The .sync result too: DescribeExecution's members in PascalCase (Status, Output)."""
            if isinstance(response, dict):
                for key in list(response):
                    response[key[:1].upper() + key[1:]] = response.pop(key)

        def invoke(function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
            return simulator._invoke(function, event)

        timeline = self.timeline

        def sleep(seconds: float) -> None:
            # Looked up per call: tests gate the clock's `advance` to hold an execution at a Wait.
            if timeline:
                timeline.sleep(seconds)
            else:
                simulator.clock.advance(seconds)

        def wait(_self: Any, env: Any, wait_seconds: int) -> None:
            if wait_seconds > 0:
                sleep(wait_seconds)

        stub = BotocoreStubber.__call__

        def answer(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
            if timeline:
                timeline.touch()
            # botocore runs every before-send handler and keeps the first answer: a request the
            # fault injector already answered must not also be carried out by moto.
            if request.headers.get(FAULT_HEADER):
                return None
            return stub(stubber, event_name, request, **kwargs)

        patches = [
            (LambdaFunction, "_invoke_lambda", invoke),
            (WaitFunction, "_wait_interval", wait),
            # Step Functions' Retry intervals and botocore's own retry backoff pass on the clock.
            (retrier_decl, "time", timed(sleep)),
            (botocore.endpoint, "time", timed(sleep)),
            (BotocoreStubber, "__call__", answer),
            (StateTaskServiceSfn, "_normalise_parameters", sfn_parameters),
            (StateTaskServiceSfn, "_eval_service_task", sfn_answer),
            (StateTaskServiceSfn, "_normalise_response", sfn_response),
        ]
        if timeline:
            patches += _timeline_patches(timeline)
        originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        try:
            yield
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)

    def _invoke(self, function: Any, event: Any) -> tuple[str, bool, str]:
        """Run the function's handler in this process, as Lambda would in its own sandbox."""
        module_name, attribute = str(function.handler).rsplit(".", 1)
        # moto hands over the payload as JSON text or, from its Step Functions interpreter, parsed.
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        if self.timeline is not None:
            self.timeline.touch()
        self._invoke_lock.acquire()
        try:
            with _function_environment(function, self._touched_env):
                started = time.perf_counter()
                module = importlib.import_module(module_name)
                output = io.StringIO()  # what the function prints (EMF metrics) goes to its "log"
                try:
                    # The function's calls are its role's: the strict world knows whose code runs.
                    with contextlib.redirect_stdout(output), self.strict.running(module_name):
                        result = getattr(module, attribute)(payload, _Context(function))
                    body, errored = json.dumps(result), False
                except Exception as exc:
                    result = {
                        "errorMessage": str(exc),
                        "errorType": type(exc).__name__,
                        "stackTrace": traceback.format_exception(exc)[-3:],
                    }
                    body, errored = json.dumps(result), True
                invocation = Invocation(
                    function=function.function_name,
                    handler=str(function.handler),
                    event=payload,
                    result=result,
                    errored=errored,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    at=self.clock.now(),
                    output=output.getvalue(),
                )
                self.invocations.append(invocation)
        finally:
            self._invoke_lock.release()
        return body, errored, invocation.output

    def _reset_handler_caches(self) -> None:
        """Each deployment has its own table and topic; clients bind to this moto account. The
        new session is strict before any client exists (clients copy the session's handlers)."""
        from recommender.adapters import aws
        from recommender.settings import settings

        settings.cache_clear()
        aws.client.cache_clear()
        aws.session.cache_clear()
        self.strict.install(aws.session())
        self.price_list.install(aws.session())  # moto has no Price List API
        self.service_quotas.install(aws.session())  # moto lists no SageMaker quota

    # ------------------------------------------------------------------ deployment
    def _deploy(self) -> Deployment:
        template_path = self.cdk_out / f"{self.stack_name}.template.json"
        template, self.skipped = offline_template(json.loads(template_path.read_text()))
        bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{ACCOUNT}-{REGION}"
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=bucket)
        for asset in sorted(self.cdk_out.glob("asset.*")):
            if asset.is_dir():
                s3.put_object(Bucket=bucket, Key=f"{asset.name.removeprefix('asset.')}.zip", Body=_zip_dir(asset))
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value="30", Type="String"
        )
        cfn = boto3.client("cloudformation", region_name=REGION)
        cfn.create_stack(
            StackName=self.stack_name,
            TemplateBody=json.dumps(template),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        )
        described = cfn.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        if described["StackStatus"] != "CREATE_COMPLETE":
            raise RuntimeError(f"offline deployment failed: {described['StackStatus']}")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        resources = {
            r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId", ""))
            for page in cfn.get_paginator("list_stack_resources").paginate(StackName=self.stack_name)
            for r in page["StackResourceSummaries"]
        }

        def one(resource_type: str) -> str:
            found = [physical for kind, physical in resources.values() if kind == resource_type]
            if len(found) != 1:
                raise RuntimeError(f"expected one {resource_type} in the stack, found {len(found)}")
            return found[0]

        lambda_client = boto3.client("lambda", region_name=REGION)
        functions = {}
        for kind, physical in resources.values():
            if kind == "AWS::Lambda::Function":
                handler = lambda_client.get_function(FunctionName=physical)["Configuration"]["Handler"]
                self._check_asset(physical, handler)
                functions[handler.rsplit(".", 1)[0]] = physical
        return Deployment(
            stack_name=self.stack_name,
            outputs=outputs,
            resources=resources,
            # Two state machines: the workflow and the fleet over it, told apart by the outputs.
            state_machine_arn=outputs["StateMachineArn"],
            fleet_state_machine_arn=outputs["FleetStateMachineArn"],
            table_name=one("AWS::DynamoDB::Table"),
            topic_arn=one("AWS::SNS::Topic"),
            functions=functions,
        )

    def _check_asset(self, function_name: str, handler: str) -> None:
        """The handler runs in this process from the already imported `recommender` package: prove
        it is the code the template deploys (the asset directory holds the same files)."""
        from moto.awslambda.models import lambda_backends

        code = lambda_backends[ACCOUNT][REGION].get_function(function_name).code
        asset = self.cdk_out / f"asset.{str(code.get('S3Key', '')).removesuffix('.zip')}"
        module = importlib.import_module(handler.rsplit(".", 1)[0].split(".", maxsplit=1)[0])
        package_root = Path(str(module.__file__)).parent.parent
        shipped = asset / Path(*handler.split(".")[:-1]).with_suffix(".py")
        local = package_root / shipped.relative_to(asset)
        if not shipped.is_file() or shipped.read_bytes() != local.read_bytes():
            raise RuntimeError(f"{function_name}: {shipped} is missing or differs from {local}; synthesize again")

    def _register_state_machine(self) -> None:
        """moto's CloudFormation puts the machines in the plain backend; executions need the
        interpreter's: register each there under the same name (so the same ARN)."""
        from moto.stepfunctions.models import stepfunctions_backends

        plain = stepfunctions_backends[ACCOUNT][REGION]
        sfn = boto3.client("stepfunctions", region_name=REGION)
        for arn in (self.deployment.state_machine_arn, self.deployment.fleet_state_machine_arn):
            machine = plain.describe_state_machine(arn)
            created = sfn.create_state_machine(
                name=machine.name, definition=machine.definition, roleArn=machine.roleArn, type="STANDARD"
            )
            if created["stateMachineArn"] != arn:
                raise RuntimeError("state machine ARN changed while registering it for execution")

    def _function_environments(self) -> dict[str, dict[str, str]]:
        lambda_client = boto3.client("lambda", region_name=REGION)
        return {
            name: lambda_client.get_function(FunctionName=name)["Configuration"]["Environment"]["Variables"]
            for name in self.deployment.functions.values()
        }

    def configure(self, **variables: str) -> None:
        """Change every function's environment (as a redeploy with other cdk.json values would)."""
        lambda_client = boto3.client("lambda", region_name=REGION)
        for name, current in self._function_environments().items():
            lambda_client.update_function_configuration(
                FunctionName=name, Environment={"Variables": {**current, **variables}}
            )
        self._reset_handler_caches()

    # ------------------------------------------------------------------ driving
    @functools.cached_property
    def sfn(self) -> Any:
        return boto3.client("stepfunctions", region_name=REGION)

    def start_execution(self, execution_input: Any, name: str | None = None) -> str:
        # Step Functions names an unnamed execution with a UUID; moto's interpreter would leave it None.
        return str(
            self.sfn.start_execution(
                stateMachineArn=self.deployment.state_machine_arn,
                input=json.dumps(execution_input),
                name=name or str(uuid.uuid4()),
            )["executionArn"]
        )

    def wait_for(self, execution_arn: str, timeout: float = 120.0) -> dict[str, Any]:
        """Block (real time) until the execution ends; the simulated clock runs on its own."""
        deadline = time.monotonic() + timeout
        while True:
            described = self.sfn.describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                return dict(described)
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_arn} still {described['status']} after {timeout}s")
            time.sleep(0.02)

    def run(self, execution_input: Any, name: str | None = None, timeout: float = 120.0) -> dict[str, Any]:
        return self.wait_for(self.start_execution(execution_input, name), timeout)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def states_entered(self, execution_arn: str) -> list[str]:
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history(execution_arn)
            if "stateEnteredEventDetails" in e
        ]

    def invoke_function(self, step: str, event: Any) -> Any:
        """Invoke a deployed function directly (the EventBridge clean-up path feeds its event so)."""
        response = boto3.client("lambda", region_name=REGION).invoke(
            FunctionName=self.deployment.function_for(step), Payload=json.dumps(event).encode()
        )
        return json.loads(response["Payload"].read())

    # ------------------------------------------------------------------ reading results
    def run_items(self, endpoint: str) -> list[dict[str, Any]]:
        from recommender.adapters.store import from_item

        ddb = boto3.client("dynamodb", region_name=REGION)
        found = ddb.query(
            TableName=self.deployment.table_name,
            KeyConditionExpression="endpointName = :e AND begins_with(runKey, :r)",
            ExpressionAttributeValues={":e": {"S": endpoint}, ":r": {"S": "RUN#"}},
            ScanIndexForward=False,
        )
        return [from_item(item) for item in found["Items"]]

    def lock_item(self, endpoint: str) -> dict[str, Any] | None:
        from recommender.adapters.store import Store, from_item

        found = boto3.client("dynamodb", region_name=REGION).get_item(
            TableName=self.deployment.table_name, Key=Store.lock_key(endpoint)
        )
        return from_item(found["Item"]) if "Item" in found else None

    def published(self) -> list[dict[str, Any]]:
        """Every message published to the topic: subject, attributes and the per-protocol bodies."""
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT][REGION].topics[self.deployment.topic_arn]
        out = []
        for _message_id, message, subject, attributes, _group in topic.sent_notifications:
            out.append(
                {
                    "subject": subject,
                    "attributes": {k: v.get("Value", v.get("StringValue")) for k, v in (attributes or {}).items()},
                    "bodies": json.loads(message),
                }
            )
        return out

    # ------------------------------------------------------------------ faults
    def fault(self, service: str, operation: str, fault: Fault | str, times: int = 1) -> Fault:
        """Answer the next `times` calls of `service.operation` made by the handlers with `fault`
        (a `simulator.faults` catalogue fault or its name): the service's real error response, or
        a network error raised as botocore raises it. botocore's retry handler and the state
        machine then see what the real failure would cause; the request never reaches moto.

        The handlers reuse one cached client per service (as a warm Lambda does): the fault hooks
        that one, so script faults after the last `configure()` (which replaces the clients).
        """
        if not self.faults.active:
            self.faults.start()
            self._stack.callback(self.faults.stop)
        return self.faults.fault(service, operation, fault, times)

    def throttle(self, service: str, operation: str, times: int) -> Fault:
        """`fault` with the service's own throttling error (SNS `Throttled`, DynamoDB
        `ProvisionedThroughputExceededException`, SageMaker `ThrottlingException`, ...)."""
        return self.fault(service, operation, throttling_fault(service), times)

    def faults_left(self) -> dict[tuple[str, str], int]:
        """Faults not met yet per (service, operation) scripted (0 once every one was met)."""
        return self.faults.faults_left()

    def clear_faults(self) -> None:
        """Forget the faults not met yet."""
        self.faults.clear()


# ---------------------------------------------------------------------- helpers
def offline_template(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The template minus the resource types moto's CloudFormation cannot create (alarms, topic
    and queue policies, schedules): they would be skipped anyway, but a `Ref`/`GetAtt` to a skipped
    resource fails the whole stack. References to them become a marker string."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    supported = set(get_model_map()) | set(NULL_MODELS)
    resources = template["Resources"]
    skipped = {
        logical: body["Type"]
        for logical, body in resources.items()
        if body["Type"] not in supported and not body["Type"].startswith("Custom::")
    }

    def scrub(node: Any) -> Any:
        if isinstance(node, dict):
            if node.keys() == {"Ref"} and node["Ref"] in skipped:
                return f"offline-skipped:{node['Ref']}"
            if node.keys() == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in skipped:
                return f"offline-skipped:{node['Fn::GetAtt'][0]}"
            return {k: scrub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node

    kept = {}
    for logical, original in resources.items():
        if logical in skipped:
            continue
        body = {k: v for k, v in scrub(original).items() if k != "DependsOn"}
        depends = original.get("DependsOn") or []
        remaining = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in skipped]
        if remaining:
            body["DependsOn"] = remaining
        kept[logical] = body
    return {**scrub({k: v for k, v in template.items() if k != "Resources"}), "Resources": kept}, skipped


def _timeline_patches(timeline: Timeline) -> list[tuple[Any, str, Any]]:
    """The seams the discrete-event clock adds to moto's Step Functions interpreter."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback,
    )
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    ended = BaseExecutionWorkerCommunication.terminated

    def terminated(communication: Any) -> None:
        ended(communication)
        timeline.execution_ended()

    return [
        # A `.sync` task polls its child every 0.5 s of real time: on the timeline it waits for an
        # execution to end instead, so the clock never runs past the child's end.
        (state_task_service_callback, "time", timed(timeline.await_execution_end)),
        (BaseExecutionWorkerCommunication, "terminated", terminated),
    ]


def _zip_dir(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


@contextlib.contextmanager
def _env(key: str, value: str) -> Iterator[None]:
    before = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


@contextlib.contextmanager
def _function_environment(function: Any, touched: dict[str, str | None]) -> Iterator[None]:
    """The function's own environment variables for the duration of the call.

    Values are only written where they differ (all of this stack's functions share one set), and
    the originals are restored when the world closes, not after each call: moto's threads read
    os.environ while executions run, and a dict changing under them would break their iteration.
    """
    variables = {
        **{str(k): str(v) for k, v in (function.environment_vars or {}).items()},
        "AWS_LAMBDA_FUNCTION_NAME": str(function.function_name),
        "AWS_REGION": REGION,
    }
    for key, value in variables.items():
        if os.environ.get(key) != value:
            touched.setdefault(key, os.environ.get(key))
            os.environ[key] = value
    yield


class _Context:
    """The parts of the Lambda context object the handlers use (Powertools reads these)."""

    def __init__(self, function: Any) -> None:
        self.function_name = str(function.function_name)
        self.function_version = "$LATEST"
        self.invoked_function_arn = str(function.function_arn)
        self.memory_limit_in_mb = int(function.memory_size)
        self.aws_request_id = f"sim-{time.monotonic_ns()}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "simulated"
        self._deadline = time.monotonic() + float(function.timeout)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _handler_client(service: str) -> Any:
    """The handlers' own cached client for `service` (what the fault injector hooks)."""
    from recommender.adapters import aws

    return aws.client(service)
