"""Cold-start cost of the Lambda code: import time per handler beside a bare `import boto3`, asset size.

Each import runs in a fresh interpreter (`python -X importtime`), with the environment a deployed
function sees (default configuration: AWS-call tracing off), several times; the median is reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSET = ROOT / "lambdas"
HANDLERS = ("validate", "start", "check", "publish", "record_failure")
LAMBDA_LIKE_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "coldstart-probe",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "inference-recommender-orchestrator",
    "POWERTOOLS_METRICS_NAMESPACE": "InferenceRecommenderOrchestrator",
    "PYTHONDONTWRITEBYTECODE": "",
}


def import_microseconds(module: str) -> int:
    """Cumulative import time of `module` in a fresh interpreter, in microseconds."""
    env = {**os.environ, **LAMBDA_LIKE_ENV, "PYTHONPATH": str(ASSET)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # Lambda loads cached bytecode after the first import
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f"no import time reported for {module}: {done.stderr[-500:]}")


def median_import(module: str, runs: int) -> float:
    import_microseconds(module)  # warm the bytecode cache, as a deployed function has it
    return statistics.median(import_microseconds(module) for _ in range(runs)) / 1000


def asset_size() -> tuple[int, int]:
    """(bytes, files) of the Lambda asset directory as CDK packages it (no caches)."""
    files = [p for p in ASSET.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return sum(p.stat().st_size for p in files), len(files)


def report(runs: int = 7) -> list[str]:
    boto3_ms = median_import("boto3", runs)
    lines = [f"{'module':<40}{'import ms (median of ' + str(runs) + ')':>28}{'x boto3':>10}"]
    lines.append(f"{'boto3 (bare)':<40}{boto3_ms:>28.1f}{1.0:>10.2f}")
    for name in HANDLERS:
        module = f"recommender.handlers.{name}"
        ms = median_import(module, runs)
        lines.append(f"{module:<40}{ms:>28.1f}{ms / boto3_ms:>10.2f}")
    size, count = asset_size()
    lines.append(f"Lambda asset: {size / 1024:.1f} KiB in {count} files (lambdas/)")
    return lines


if __name__ == "__main__":
    print("\n".join(report(int(sys.argv[1]) if len(sys.argv) > 1 else 7)))
