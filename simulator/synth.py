"""Synthesize the CDK app (the real one, through app.py) unless cdk.out is newer than its sources."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK_NAME = "InferenceRecommenderOrchestrator"
SOURCES = ("app.py", "cdk.json", "infra", "lambdas")


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = (
            [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        )
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def synthesize(outdir: Path | None = None, *, force: bool = False, context: dict[str, str] | None = None) -> Path:
    """Run `python app.py` with CDK_OUTDIR (what the CDK CLI does); return the output directory."""
    outdir = outdir or ROOT / "cdk.out"
    template = outdir / f"{STACK_NAME}.template.json"
    if not force and not context and template.exists() and template.stat().st_mtime > _newest_source():
        return outdir
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    if context:
        import json

        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not template.exists():
        raise RuntimeError(f"cdk synth failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return outdir
