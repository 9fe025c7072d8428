"""The operator CLI (`rightsize`) driving the offline stack: what `make simulate` shows is what a
person sees. The CLI runs in this process against moto, found by the deployed stack's name and
region like a real one; nothing in it knows it is offline."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

import click

from recommender.models import ExecutionInput
from rightsize import cli
from simulator.offline import REGION, OfflineStack
from simulator.synth import STACK_NAME

# Refresh the CLI's progress often: the simulated job runs in seconds of real time.
INTERVAL_SECONDS = 0.2


def cli_arguments(document: Any) -> list[str] | None:
    """`rightsize run` arguments that send exactly `document`; None when the CLI cannot express it
    (not an object, keys the contract does not have, no endpoint or model package)."""
    if not isinstance(document, dict):
        return None
    endpoint, package = document.get("endpointName"), document.get("modelPackageVersionArn")
    keys = {str(field.alias or name) for name, field in ExecutionInput.model_fields.items()}
    if not isinstance(endpoint, str) or not isinstance(package, str) or not set(document) <= keys:
        return None
    arguments = [endpoint, "--model-package", package]
    for key, value in document.items():
        if key in cli.POSITIONAL_KEYS or value is None:
            continue
        flag = "--" + "".join(f"-{c.lower()}" if c.isupper() else c for c in key)
        if isinstance(value, bool):
            if value:
                arguments.append(flag)
            continue
        arguments += [flag, json.dumps(value) if isinstance(value, dict | list) else str(value)]
    return arguments


def invoke(*arguments: str) -> int:
    """`rightsize --stack <the offline stack> --region <its region> ARGUMENTS`; its exit code."""
    try:
        cli.main([*global_options(), *arguments], prog_name="rightsize", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


def global_options() -> list[str]:
    return ["--stack", STACK_NAME, "--region", REGION]


def echo(command: list[str]) -> None:
    shown = " ".join(f"'{part}'" if any(c in part for c in ' {}"') else part for part in command)
    print(f"\n$ rightsize {shown}")


class OperatorRunner:
    """A `scenarios.Runner` that starts executions as a person would, with `rightsize run`."""

    def __init__(self, world: OfflineStack) -> None:
        self.world = world

    def __call__(self, document: Any, count: int) -> list[dict[str, Any]]:
        arguments = cli_arguments(document)
        if arguments is None:
            return self._refused(document, count)
        names = [str(uuid.uuid4()) for _ in range(count)]
        for index, name in enumerate(names):
            last = index == count - 1
            command = ["run", *arguments, "--name", name, *([] if last else ["--no-wait"])]
            if last:
                command += ["--interval", str(INTERVAL_SECONDS)]
            echo(command)
            invoke(*command)
        described = [self.world.wait_for(self._arn(name), timeout=300) for name in names]
        for name, execution in zip(names[:-1], described[:-1], strict=True):
            echo(["show", name])
            if invoke("show", name) and execution["status"] == "SUCCEEDED":
                raise RuntimeError(f"rightsize show {name} failed for a run that succeeded")
        return described

    def _refused(self, document: Any, count: int) -> list[dict[str, Any]]:
        """An input the CLI cannot send: what `check-input` says of it, then the input sent as is
        (the console's way) to show the workflow's REJECTED path, read back with `rightsize show`."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "input.json"
            path.write_text(json.dumps(document), encoding="utf-8")
            echo(["check-input", "input.json"])
            invoke("check-input", str(path))
        print("\nThe CLI refuses this input before starting anything; sent as is through the console's way:")
        arns = [self.world.start_execution(document) for _ in range(count)]
        described = [self.world.wait_for(arn, timeout=300) for arn in arns]
        for execution in described:
            echo(["status", execution["name"]])
            invoke("status", execution["name"])
        return described

    def _arn(self, name: str) -> str:
        return self.world.deployment.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
