"""Builds the CDK app the same way under the CDK CLI and under a plain `python app.py`.

The CLI merges cdk.json's context with a few settings of its own and passes them to the app
(CDK_CONTEXT_JSON, CDK_OUTDIR); a plain `python app.py` gets none of that. So this module reads
cdk.json itself and adds the CLI's defaults underneath whatever context the environment passes:
both ways produce the same cloud assembly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from infra.config import CONTEXT_KEY, ConfigError, RecommenderConfig, check_context_keys
from infra.stack import RecommenderStack

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK_NAME = "InferenceRecommenderOrchestrator"
# What the pinned CLI (package.json) adds to cdk.json's context by default.
CLI_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
}


def cdk_json() -> dict[str, Any]:
    """The project's cdk.json (a `ConfigError` naming the problem if it is not a JSON object)."""
    path = PROJECT_DIR / "cdk.json"
    try:
        settings = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(settings, dict):
        raise ConfigError(f"{path} must hold a JSON object, not {type(settings).__name__}")
    return settings


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None, *, nag: bool = True) -> App:
    """The app with its one stack; `context` replaces the CLI's (tests pass cdk.json's flags and a config).

    With `nag`, synth fails on any cdk-nag AwsSolutions or Serverless finding nobody acknowledged.
    """
    settings = cdk_json()
    if context is None:
        # What the CLI gives the app. Whatever passes CDK_CONTEXT_JSON (the CLI, the simulator) gets
        # its keys laid over these by App itself, key by key, so cdk.json's flags always apply.
        context = {**CLI_CONTEXT, **settings.get("context", {})}
    if outdir is None and "CDK_OUTDIR" not in os.environ:
        outdir = str(PROJECT_DIR / settings.get("output", "cdk.out"))
    # A misspelled `recommender` would silently deploy the defaults: check every key the app sees
    # (these, and what the CLI passes through CDK_CONTEXT_JSON).
    passed = os.environ.get("CDK_CONTEXT_JSON")
    try:
        cli_context = json.loads(passed) if passed else {}
    except json.JSONDecodeError:
        cli_context = {}
    check_context_keys([*context, *(cli_context if isinstance(cli_context, dict) else {})])
    app = App(context=context, outdir=outdir)
    config = RecommenderConfig.from_context(app.node.try_get_context(CONTEXT_KEY))
    # Environment-agnostic on purpose: no account lookups, one template for every account and region.
    RecommenderStack(
        app,
        STACK_NAME,
        config=config,
        description="Inference Recommender orchestrator: right-sizing checks for SageMaker endpoints",
    )
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return app
