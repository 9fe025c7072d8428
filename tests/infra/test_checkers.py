"""Independent checkers over the synthesized app: asl-validator (npm) on the state machine
definition, checkov (its own venv, `.venv-checkov`) on the templates.

Both are installed by `make test` (node_modules/.installed, .venv-checkov/.installed).
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.support import FLEET, WORKFLOW, Synthesized, concrete_definition

PROJECT_DIR = Path(__file__).resolve().parents[2]
ASL_VALIDATOR = PROJECT_DIR / "node_modules" / ".bin" / "asl-validator"
CHECKOV = PROJECT_DIR / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(params=["default_synth", "sample_synth"])
def synth(request: pytest.FixtureRequest) -> Synthesized:
    synthesized: Synthesized = request.getfixturevalue(request.param)
    return synthesized


# ------------------------------------------------------------------------------ asl-validator
def asl_validate(definition: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not ASL_VALIDATOR.exists():
        pytest.fail(f"{ASL_VALIDATOR} is missing: run `make node_modules/.installed` (make test does)")
    path = tmp_path / "definition.asl.json"
    path.write_text(json.dumps(definition))
    return subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, check=False, timeout=120
    )


def test_asl_validator_is_the_pinned_version() -> None:
    package = json.loads((PROJECT_DIR / "package.json").read_text())
    assert package["devDependencies"]["asl-validator"] == "4.0.0"
    installed = json.loads((PROJECT_DIR / "node_modules" / "asl-validator" / "package.json").read_text())
    assert installed["version"] == "4.0.0"


@pytest.mark.parametrize("which", [WORKFLOW, FLEET])
def test_asl_validator_accepts_the_definition(synth: Synthesized, which: str, tmp_path: Path) -> None:
    done = asl_validate(concrete_definition(synth.template, which), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓" in done.stdout or "valid" in done.stdout.lower(), done.stdout


@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param(lambda d: d["States"]["Wait For Job"].update(Next="Nowhere"), id="next-to-a-missing-state"),
        pytest.param(lambda d: d["States"]["Check Job"].pop("Resource"), id="task-without-resource"),
        pytest.param(lambda d: d.update(StartAt="Missing"), id="start-at-a-missing-state"),
        pytest.param(
            lambda d: d["States"]["Check Job"]["Retry"][0].update(ErrorEquals="TransientAwsError"),
            id="error-equals-not-a-list",
        ),
    ],
)
def test_asl_validator_rejects_a_broken_definition(default_synth: Synthesized, tmp_path: Path, mutation: Any) -> None:
    # The check above is only worth something if the validator catches a broken copy.
    broken = copy.deepcopy(concrete_definition(default_synth.template))
    mutation(broken)
    done = asl_validate(broken, tmp_path)
    assert done.returncode != 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------ checkov
def checkov(template_path: str) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make .venv-checkov/.installed` (make test does)")
    done = subprocess.run(
        [
            str(CHECKOV),
            "--framework",
            "cloudformation",
            "-f",
            template_path,
            "--output",
            "json",
            "--quiet",
            # Offline: no download of Prisma Cloud guidelines (the suppressions are in the template).
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: some check failed (asserted below, with names)
    report = json.loads(done.stdout)
    result: dict[str, Any] = report if isinstance(report, dict) else report[0]
    return result


def test_checkov_is_the_pinned_version() -> None:
    pins = (PROJECT_DIR / "requirements-checkov.lock").read_text().split()
    assert "checkov==3.3.30" in pins
    done = subprocess.run([str(CHECKOV), "--version"], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "3.3.30"


def test_checkov_finds_nothing_unsuppressed(synth: Synthesized, tmp_path: Path) -> None:
    # Scanned under a neutral name: checkov's parser adds the file's path to every mapping
    # (`__file__`) and CKV_AWS_45 scans it as an environment value, so a path such as
    # `cdk.out.default/InferenceRecommenderOrchestrator.template.json` (40 characters of
    # [A-Za-z0-9/]) reads as an AWS secret access key: a finding about the path, not the template.
    path = tmp_path / "template.json"
    path.write_text(Path(synth.template_path).read_text())
    report = checkov(str(path))
    failed = [(f["check_id"], f["resource"], f["check_name"]) for f in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100  # it really looked at the resources
    suppressed = sum(
        len(body.get("Metadata", {}).get("checkov", {}).get("skip", []))
        for body in synth.template["Resources"].values()
    )
    assert report["summary"]["skipped"] == suppressed  # every suppression is used, none is stale


def test_every_checkov_suppression_says_why(synth: Synthesized) -> None:
    skipped = [
        (logical, skip)
        for logical, body in synth.template["Resources"].items()
        for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skipped
    for logical, skip in skipped:
        assert set(skip) == {"id", "comment"}, (logical, skip)
        assert skip["id"].startswith("CKV_AWS_"), (logical, skip)
        assert len(skip["comment"]) >= 40, (logical, skip)


def test_checkov_reads_the_suppressions(synth: Synthesized, tmp_path: Path) -> None:
    # Without the Metadata suppressions the same template fails: they are what checkov honours.
    template = copy.deepcopy(synth.template)
    for body in template["Resources"].values():
        body.get("Metadata", {}).pop("checkov", None)
    path = tmp_path / "unsuppressed.template.json"
    path.write_text(json.dumps(template))
    report = checkov(str(path))
    assert report["results"]["failed_checks"]
    assert report["summary"]["skipped"] == 0
