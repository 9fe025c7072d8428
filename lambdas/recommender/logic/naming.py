"""Deterministic Inference Recommender job names."""

from __future__ import annotations

import hashlib
import re

JOB_NAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}")
JOB_NAME_MAX = 64
# The service names the resources a job creates after the first 40 characters of the job name,
# so everything that tells two runs apart (prefix + execution digest) sits inside them.
DISTINCT_PREFIX_MAX = 40
DIGEST_CHARS = 16


def job_name(prefix: str, execution_arn: str, started_at: str, endpoint_name: str) -> str:
    """`<prefix>-<digest of the execution ARN and start>-<endpoint name>`, cut to 64 characters.

    The same execution always gets the same name (a retried Start finds its own job), distinct
    executions get distinct names, and the IAM policy can scope job actions to `<prefix>-*`. The
    start time is part of the digest: Step Functions lets a Standard execution name be reused 90
    days after the execution ended, and the new execution must not adopt the old one's job.
    """
    digest = hashlib.sha256(f"{execution_arn}#{started_at}".encode()).hexdigest()[:DIGEST_CHARS]
    head = f"{prefix}-{digest}"
    if len(head) > DISTINCT_PREFIX_MAX:
        raise ValueError(f"job name prefix {prefix!r} is too long: prefix + digest must fit in 40 characters")
    # Without a usable endpoint name (rejected input) the run is still named, for its run key.
    name = f"{head}-{endpoint_name}"[:JOB_NAME_MAX].rstrip("-") if endpoint_name else head
    if not JOB_NAME_RE.fullmatch(name):
        raise ValueError(f"job name {name!r} breaks the service's name rule")
    return name
