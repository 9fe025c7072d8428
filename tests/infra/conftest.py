"""The infra tier synthesizes each configuration once per test session.

The synth-once machinery and the `default_synth` fixture live in tests/conftest.py (the e2e tier
deploys the same synthesized app); this tier adds the sample configuration and the templates.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from tests.conftest import synthesized_once
from tests.infra.support import SAMPLE_CONTEXT, Synthesized


@pytest.fixture(scope="session")
def sample_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Synthesized with tests/infra/sample_context.json: every key set (schedules, emails, job role ARN)."""
    return synthesized_once(tmp_path_factory, "sample", SAMPLE_CONTEXT)


@pytest.fixture(scope="session")
def default_template(default_synth: Synthesized) -> Template:
    return Template.from_json(default_synth.template)


@pytest.fixture(scope="session")
def sample_template(sample_synth: Synthesized) -> Template:
    return Template.from_json(sample_synth.template)


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return Path(__file__).resolve().parents[2]
