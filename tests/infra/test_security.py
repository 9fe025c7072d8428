"""cdk-nag (AwsSolutions and Serverless) and cfn-lint over both synthesized configurations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.support import Synthesized


@pytest.fixture(params=["default_synth", "sample_synth"])
def synth(request: pytest.FixtureRequest) -> Synthesized:
    synthesized: Synthesized = request.getfixturevalue(request.param)
    return synthesized


def test_no_unacknowledged_cdk_nag_findings(synth: Synthesized) -> None:
    assert synth.violations == []


def test_every_acknowledgement_says_why(synth: Synthesized) -> None:
    assert synth.acknowledgments
    for acknowledgment in synth.acknowledgments:
        assert len(acknowledgment["reason"]) >= 40, acknowledgment
        # Bare rule ids: `AwsSolutions::`-prefixed ones would be ignored by validate_scope.
        assert acknowledgment["rule"].startswith(("AwsSolutions-", "Serverless-")), acknowledgment


def test_nothing_broad_is_acknowledged(synth: Synthesized) -> None:
    rules = {acknowledgment["rule"] for acknowledgment in synth.acknowledgments}
    # Whole-rule acknowledgements only where a rule cannot apply (see their reasons).
    assert {rule for rule in rules if "[" not in rule} <= {"Serverless-LambdaDLQ", "Serverless-SQSRedrivePolicy"}
    # No action wildcard other than the KMS data-key action of the topic grant.
    assert {rule for rule in rules if "[Action::" in rule} == {"AwsSolutions-IAM5[Action::kms:GenerateDataKey*]"}


def test_cfn_lint_finds_nothing(default_synth: Synthesized, sample_synth: Synthesized, project_dir: Path) -> None:
    # The pinned cfn-lint, with the project's .cfnlintrc (which documents the one ignored rule).
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run(
        [str(cfn_lint), "--", default_synth.template_path, sample_synth.template_path],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
