"""Synthesize the CDK app (the real one, through app.py) unless cdk.out is newer than its sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK_NAME = "InferenceRecommenderOrchestrator"
SOURCES = ("app.py", "cdk.json", "infra", "lambdas")
OUTPUT_TAIL = 3000  # characters of app.py's output kept when it fails for another reason


class SynthError(RuntimeError):
    """`python app.py` failed. The message is what a person needs: app.py's own `error: ...` block
    for a configuration it refused (a bad `cdk.json` value), else the tail of its output."""


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
    """Run `python app.py` with CDK_OUTDIR (what the CDK CLI does); return the output directory.

    Raises `SynthError` when the app cannot be synthesized.
    """
    outdir = outdir or ROOT / "cdk.out"
    template = outdir / f"{STACK_NAME}.template.json"
    if not force and not context and template.exists() and template.stat().st_mtime > _newest_source():
        return outdir
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    if context:
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not template.exists():
        raise SynthError(failure_message(done.returncode, done.stdout, done.stderr))
    return outdir


def failure_message(returncode: int, stdout: str, stderr: str) -> str:
    """What to show for a failed `python app.py`: the `error: ...` block app.py prints for a refused
    configuration (it exits without a traceback then), or else the tail of what it printed."""
    lines = stderr.rstrip().splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("error: ")), None)
    if first is not None and not any(line.startswith("Traceback") for line in lines):
        return "\n".join(lines[first:])
    output = "\n".join(part for part in (stdout[-OUTPUT_TAIL:].rstrip(), stderr[-OUTPUT_TAIL:].rstrip()) if part)
    return f"error: cdk synth failed (python app.py exited {returncode}):\n{output}"
