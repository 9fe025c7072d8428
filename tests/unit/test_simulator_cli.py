"""`make simulate` and `make bench` as a newcomer meets them: a mistake in the options, in the
--input file or in cdk.json is one clean message and a documented exit code, never a traceback.

Most checks run the commands as `make` does (a subprocess of the venv's Python), so what is asserted
is exactly what a person sees; the variants of one rule run in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from simulator import __main__ as simulate
from simulator import bench
from simulator.synth import failure_message

if TYPE_CHECKING:
    from tests.infra.support import Synthesized

ROOT = Path(__file__).resolve().parents[2]
USAGE, RUN = 2, 1  # the exit codes: a mistake in the command line or its files / a project that cannot run


def command(*args: str, cwd: Path = ROOT, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_one_line(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert "Traceback" not in done.stderr
    assert done.stderr == line + "\n"
    assert done.stdout == ""
    assert done.returncode == USAGE


# ------------------------------------------------------------------------------ 1. --input FILE
def test_a_missing_input_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "my-input.json"
    assert_one_line(
        command("-m", "simulator", "--input", str(missing)),
        f"make simulate: error: argument --input: {missing}: no such file (see ARGS=--help)",
    )


def test_an_empty_input_file_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("\n")
    assert_one_line(
        command("-m", "simulator", "--input", str(empty)),
        f"make simulate: error: argument --input: {empty}: the file is empty (expected a JSON execution input)"
        " (see ARGS=--help)",
    )


def test_an_input_file_that_is_not_json_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"endpointName": "fraud-detector",\n')
    assert_one_line(
        command("-m", "simulator", "--input", str(broken)),
        f"make simulate: error: argument --input: {broken}: not JSON (Expecting property name enclosed in double "
        "quotes at line 2 column 1) (see ARGS=--help)",
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "is a directory, not a file"),
        (b"\xff\xfe{}", "not UTF-8 text (expected a JSON execution input)"),
        (b"endpointName: fraud-detector", "not JSON (Expecting value at line 1 column 1)"),
    ],
)
def test_other_unreadable_input_files_name_the_file_and_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, problem: str
) -> None:
    path = tmp_path / "input.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(SystemExit) as exited:
        simulate.main(["--input", str(path)])
    assert exited.value.code == USAGE
    assert capsys.readouterr().err == f"make simulate: error: argument --input: {path}: {problem} (see ARGS=--help)\n"


def test_any_json_document_is_accepted_as_input(tmp_path: Path) -> None:
    """Validity is the Validate step's business: an invalid input is sent and shows the REJECTED path."""
    path = tmp_path / "input.json"
    path.write_text('["not", "an", "object"]')
    args = simulate.parser().parse_args(["--input", str(path)])
    assert (args.input.path, args.input.value) == (str(path), ["not", "an", "object"])


# ------------------------------------------------------------------------------ 3. a bad cdk.json
def project_copy(tmp_path: Path, recommender: object) -> Path:
    """The project's sources (what `make simulate` synthesizes and runs) with another `recommender`."""
    copy = tmp_path / "project"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "cdk.out")
    for name in ("infra", "lambdas", "simulator"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy2(ROOT / "app.py", copy / "app.py")
    settings = json.loads((ROOT / "cdk.json").read_text())
    settings["context"]["recommender"] = recommender
    (copy / "cdk.json").write_text(json.dumps(settings, indent=2))
    return copy


def test_a_bad_recommender_config_prints_only_the_config_error(tmp_path: Path) -> None:
    project = project_copy(tmp_path, {"pollInitialSeconds": 5, "maxRunHours": 0})
    app = command("app.py", cwd=project)  # what `python app.py` / `make synth` say about it
    assert app.returncode == 1
    assert app.stderr.startswith("error: invalid `recommender` context (cdk.json):\n  - ")

    done = command("-m", "simulator", cwd=project)

    assert done.returncode == RUN
    assert "Traceback" not in done.stderr
    assert "RuntimeError" not in done.stderr
    assert done.stderr == app.stderr
    assert done.stdout == "> Synthesizing the CDK app (app.py -> cdk.out) ... failed\n"


def test_another_synth_failure_shows_what_app_py_printed() -> None:
    stderr = 'Traceback (most recent call last):\n  File "app.py", line 5\nModuleNotFoundError: No module named x\n'
    assert failure_message(1, "", stderr) == f"error: cdk synth failed (python app.py exited 1):\n{stderr.rstrip()}"


def test_the_config_block_is_kept_whole_without_what_precedes_it() -> None:
    stderr = "some warning\nerror: invalid `recommender` context (cdk.json):\n  - maxRunHours: bad\n"
    assert failure_message(1, "", stderr) == "error: invalid `recommender` context (cdk.json):\n  - maxRunHours: bad"


# ------------------------------------------------------------------------------ 4. --job-minutes
def test_zero_job_minutes_is_refused() -> None:
    assert_one_line(
        command("-m", "simulator", "--job-minutes", "0"),
        "make simulate: error: argument --job-minutes: must be more than 0 minutes, got 0 (see ARGS=--help)",
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-5", "must be more than 0 minutes, got -5"),
        ("nan", "must be more than 0 minutes, got nan"),
        ("soon", "'soon' is not a number of minutes"),
        (
            "601",
            "must be at most 600 minutes, got 601: an Inference Recommender job load-tests for at most 5 h "
            "(jobDurationInSeconds <= 18000) plus the time it sets up endpoints",
        ),
        (
            "inf",
            "must be at most 600 minutes, got inf: an Inference Recommender job load-tests for at most 5 h "
            "(jobDurationInSeconds <= 18000) plus the time it sets up endpoints",
        ),
    ],
)
def test_job_minutes_outside_what_a_job_can_last_are_refused(
    capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        simulate.main(["--job-minutes", value])
    assert exited.value.code == USAGE
    assert capsys.readouterr().err == f"make simulate: error: argument --job-minutes: {problem} (see ARGS=--help)\n"


@pytest.mark.parametrize(("value", "minutes"), [("0.5", 0.5), ("45", 45.0), ("600", 600.0)])
def test_job_minutes_within_bounds_are_kept(value: str, minutes: float) -> None:
    assert simulate.parser().parse_args(["--job-minutes", value]).job_minutes == minutes


# ------------------------------------------------------------------------------ 5. make bench
def test_bench_refuses_zero_runs_before_any_work() -> None:
    assert_one_line(
        command("-m", "simulator.bench", "--runs", "0", timeout=30),
        "make bench: error: argument --runs: must be >= 1, got 0 (see ARGS=--help)",
    )


@pytest.mark.parametrize(("value", "problem"), [("-1", "must be >= 1, got -1"), ("2.5", "'2.5' is not a whole number")])
def test_bench_runs_must_be_a_positive_whole_number(
    capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        bench.main(["--runs", value])
    assert exited.value.code == USAGE
    assert capsys.readouterr().err == f"make bench: error: argument --runs: {problem} (see ARGS=--help)\n"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            ["--only", "fleets"],
            "argument --only: invalid choice: 'fleets' (choose from 'polling', 'coldstart', 'cli', 'fleet')",
        ),
        (["--fleet-endpoints", "0"], "argument --fleet-endpoints: must be from 1 to 1000, got 0"),
        (["--fleet-quota", "101"], "argument --fleet-quota: must be from 1 to 100, got 101"),
    ],
)
def test_bench_sections_and_fleet_sizes_are_checked_before_any_work(
    capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        bench.main(args)
    assert exited.value.code == USAGE
    assert capsys.readouterr().err == f"make bench: error: {problem} (see ARGS=--help)\n"


def test_bench_sections_repeat_and_default_to_all() -> None:
    assert bench.parser().parse_args(["--only", "fleet", "--only", "cli"]).only == ["fleet", "cli"]
    parsed = bench.parser().parse_args([])
    assert (parsed.only, parsed.fleet_endpoints, parsed.fleet_quota) == (None, 200, 10)


# ------------------------------------------------------------------------------ 6. the rest
@pytest.mark.parametrize("build", [simulate.parser, bench.parser], ids=["simulate", "bench"])
def test_every_option_says_what_it_does(build: object) -> None:
    parser = build()  # type: ignore[operator]
    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        assert action.help, f"{action.option_strings} has no help text"


def test_an_unknown_scenario_is_one_line() -> None:
    done = command("-m", "simulator", "--scenario", "fast")
    assert done.returncode == USAGE
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("make simulate: error: argument --scenario: invalid choice: 'fast' (choose from ")
    assert done.stderr.count("\n") == 1


def test_an_unknown_option_is_one_line() -> None:
    assert_one_line(
        command("-m", "simulator.bench", "--repeat", "3"),
        "make bench: error: unrecognized arguments: --repeat 3 (see ARGS=--help)",
    )


@pytest.mark.slow
def test_a_stale_cloud_assembly_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    default_synth: Synthesized,
) -> None:
    """A cdk.out whose Lambda code differs from lambdas/ (newer than its sources, so not synthesized
    again) is refused by the offline deployment: one line, and what to do."""
    stale = tmp_path / "cdk.out"
    shutil.copytree(Path(default_synth.template_path).parent, stale)
    handler = next(stale.glob("asset.*/recommender/handlers/validate.py"))
    handler.write_text(handler.read_text() + "\n# edited after synth\n")
    monkeypatch.setattr(simulate, "synthesize", lambda **_: stale)

    assert simulate.main([]) == RUN

    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1].endswith("(CloudFormation, Lambda, Step Functions, DynamoDB, SNS) ... failed")
    (line,) = captured.err.splitlines()
    assert line.startswith("error: offline deployment failed: ")
    assert line.endswith(
        f"{handler} is missing or differs from {ROOT / 'lambdas'}/recommender/handlers/validate.py; "
        "synthesize again (try ARGS=--synth)"
    )
