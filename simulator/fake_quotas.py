"""A fake Service Quotas `ListServiceQuotas` for the offline world (moto lists only AWS default
quotas, and none of SageMaker's).

`install(session)` answers `ListServiceQuotas` on every client the session creates afterwards (the
steps' own session, as the strict world hooks it) in the API's shape: `Quotas` of `ServiceQuota`
members, pages of `MaxResults` (default 100) with a `NextToken` offset, and the service's
`NoSuchResourceException` for a service code it does not know. SageMaker lists a few quotas with
their console names; `concurrent_jobs` is the applied value of the concurrent Inference Recommender
jobs one (None: the account's listing has no such quota, as the fleet must also survive). `fault`
names a catalogue fault (`simulator.faults`, the API's real codes) every call is answered with.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

from simulator.faults import ServiceFault, _Raw, fault_named

EVENT = "before-call.service-quotas.ListServiceQuotas"
JOB_QUOTA_NAME = "Number of concurrent inference recommendations jobs"
# Other SageMaker quotas a listing carries (name, value): a match must pick the right one.
OTHER_SAGEMAKER_QUOTAS = (
    ("Number of concurrent training jobs", 50.0),
    ("Number of instances across all endpoints", 20.0),
    ("Maximum number of concurrent load tests per inference recommendations job", 10.0),
    ("ml.m5.xlarge for endpoint usage", 4.0),
)


class FakeServiceQuotas:
    """The quotas the fake lists for service code `sagemaker`."""

    def __init__(self, concurrent_jobs: int | None = None, *, account: str = "123456789012") -> None:
        self.concurrent_jobs = concurrent_jobs
        # The catalogue fault (simulator.faults, service-quotas) every call is answered with, if any.
        self.fault: str | None = None
        self.filler = 0  # more quotas listed before the job quota (a listing of several pages)
        self.account = account
        self.calls: list[dict[str, Any]] = []

    def install(self, session: Any) -> None:
        """Answer ListServiceQuotas for every client `session` creates from now on: on `before-call`,
        so the request is never sent (moto has a Service Quotas backend, which would answer
        NotImplemented); the strict world has checked it already, on `before-parameter-build`."""
        session.register(EVENT, self._answer, unique_id="offline-service-quotas")

    def quotas(self, region: str) -> list[dict[str, Any]]:
        listed = [*((f"ml.x{index}.large for training job usage", 0.0) for index in range(self.filler))]
        listed += OTHER_SAGEMAKER_QUOTAS
        if self.concurrent_jobs is not None:
            listed.insert(self.filler + 3, (JOB_QUOTA_NAME, float(self.concurrent_jobs)))  # after the load tests'
        return [
            {
                "ServiceCode": "sagemaker",
                "ServiceName": "Amazon SageMaker",
                "QuotaArn": f"arn:aws:servicequotas:{region}:{self.account}:sagemaker/L-{index:08X}",
                "QuotaCode": f"L-{index:08X}",
                "QuotaName": name,
                "Value": value,
                "Unit": "None",
                "Adjustable": True,
                "GlobalQuota": False,
            }
            for index, (name, value) in enumerate(listed, start=1)
        ]

    def _answer(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any]:
        params = json.loads(params.get("body") or b"{}")  # the serialized request: its JSON body
        self.calls.append(params)
        region = str(context.get("client_region") or "us-east-1")
        fault = self.fault or ("NoSuchResourceException" if params.get("ServiceCode") != "sagemaker" else None)
        if fault:
            known = fault_named("service-quotas", fault)
            assert isinstance(known, ServiceFault)
            error = {"Code": known.code, "Message": known.message}
            return _response(known.status), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": known.status}}
        quotas = self.quotas(region)
        start = int(params.get("NextToken") or 0)
        end = start + int(params.get("MaxResults") or 100)
        body: dict[str, Any] = {"Quotas": quotas[start:end], "ResponseMetadata": {"HTTPStatusCode": 200}}
        if end < len(quotas):
            body["NextToken"] = str(end)
        return _response(200), body


def _response(status: int) -> AWSResponse:
    headers = HTTPHeaders.from_dict({"Content-Type": "application/x-amz-json-1.1"})
    return AWSResponse("https://servicequotas.amazonaws.com/", status, headers, _Raw(b"{}"))
