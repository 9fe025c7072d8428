"""The account's quota of concurrent Inference Recommender jobs, from Service Quotas: what a fleet
runs at once when its input does not say (design: input, else this, else `fleetMaxConcurrentJobs`).

`servicequotas:ListServiceQuotas` for service code `sagemaker` (no resource-level permissions),
every page, the applied value of the quota whose name matches `logic.fleet.JOB_QUOTA_NAME`. The
quota is matched by name, not by code: no code for it is published where this was written, and
the name is what the service's own `ResourceLimitExceeded` message quotes. Not found, not
permitted, throttled or failing: None, and the caller uses the configured cap (a fleet over the
real quota still never fails: a child waits for a job slot).
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from recommender.adapters.aws import client, error_code
from recommender.logic.fleet import JOB_QUOTA_MAX, is_job_quota

SERVICE_CODE = "sagemaker"
MAX_PAGES = 20  # SageMaker lists a few hundred quotas: 100 a page

logger = logging.getLogger(__name__)


def concurrent_job_quota() -> int | None:
    """The applied quota of concurrent Inference Recommender jobs, or None when unknown."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        try:
            page = client("service-quotas").list_service_quotas(
                ServiceCode=SERVICE_CODE, MaxResults=100, **({"NextToken": token} if token else {})
            )
        except ClientError as exc:
            logger.warning("Service Quotas did not answer (%s): using the configured cap", error_code(exc))
            return None
        except BotoCoreError as exc:
            logger.warning("Service Quotas unreachable (%s): using the configured cap", type(exc).__name__)
            return None
        for quota in page.get("Quotas") or []:
            value = quota.get("Value")
            if is_job_quota(str(quota.get("QuotaName", ""))) and isinstance(value, int | float) and value >= 1:
                return min(int(value), JOB_QUOTA_MAX)
        token = page.get("NextToken")
        if not token:
            return None
    return None
