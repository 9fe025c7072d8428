"""The strict world for each tier: the synthesized template's identities, resolved against the
resources of the moto world the handlers run in.

- `for_deployed_stack`: the template deployed by moto's CloudFormation (`simulator.offline`):
  every `Ref` / `Fn::GetAtt` resolves to the physical resource moto created.
- `for_handler_tier`: the handler tier has no deployment, only resources created by its fixtures
  under the deployment's names; the functions' environment in the template says which resource
  each of those is (`TABLE_NAME` is the table's `Ref`, `JOB_ROLE_ARN` the job role's `Arn`, ...),
  and the other resources get their logical id as name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simulator.strict.authorization import Environment
from simulator.strict.iam import UnsupportedPolicy
from simulator.strict.template import identities
from simulator.strict.world import StrictWorld


def moto_topic_key(topic_arn: str) -> str | None:
    """The ARN of the KMS key that encrypts a moto SNS topic (None: not encrypted, or by the
    AWS-managed `alias/aws/sns`, whose key policy lets SNS use it for any caller of the account)."""
    from moto.kms.models import kms_backends
    from moto.sns.models import sns_backends

    _arn, partition, _sns, region, account, _name = topic_arn.split(":", 5)
    topic = sns_backends[account][region].topics.get(topic_arn)
    key = str(getattr(topic, "kms_master_key_id", "") or "")
    if not key:
        return None
    if key.startswith("arn:") and ":key/" in key:
        return key
    alias = key.split(":", 5)[-1] if key.startswith("arn:") else key
    if alias.startswith("alias/"):
        if alias.startswith("alias/aws/"):
            return None
        key = kms_backends[account][region].get_key_id_from_alias(alias) or alias
    return f"arn:{partition}:kms:{region}:{account}:key/{key}"


def _arn(kind: str, name: str, account: str, region: str) -> dict[str | None, str]:
    """`Ref` (None) and attributes of a resource of type `kind` named `name`."""
    if kind == "AWS::DynamoDB::Table":
        return {None: name, "Arn": f"arn:aws:dynamodb:{region}:{account}:table/{name}"}
    if kind == "AWS::SNS::Topic":
        arn = name if name.startswith("arn:") else f"arn:aws:sns:{region}:{account}:{name}"
        return {None: arn, "TopicArn": arn, "TopicName": arn.rsplit(":", 1)[1]}
    if kind == "AWS::KMS::Key":
        key_id = name.rsplit("/", 1)[-1]
        return {None: key_id, "KeyId": key_id, "Arn": f"arn:aws:kms:{region}:{account}:key/{key_id}"}
    if kind == "AWS::IAM::Role":
        role = name.rsplit("/", 1)[-1]
        return {None: role, "Arn": f"arn:aws:iam::{account}:role/{role}"}
    if kind == "AWS::Lambda::Function":
        return {None: name, "Arn": f"arn:aws:lambda:{region}:{account}:function:{name}"}
    if kind == "AWS::Logs::LogGroup":
        return {None: name, "Arn": f"arn:aws:logs:{region}:{account}:log-group:{name}:*"}
    if kind == "AWS::SQS::Queue":
        return {
            None: f"https://sqs.{region}.amazonaws.com/{account}/{name}",
            "Arn": f"arn:aws:sqs:{region}:{account}:{name}",
            "QueueName": name,
        }
    if kind == "AWS::StepFunctions::StateMachine":
        arn = name if name.startswith("arn:") else f"arn:aws:states:{region}:{account}:stateMachine:{name}"
        return {None: arn, "Arn": arn, "Name": arn.rsplit(":", 1)[1]}
    return {None: name}


def for_handler_tier(
    template: Mapping[str, Any],
    environment: Mapping[str, str],
    *,
    account: str,
    region: str,
    names: Mapping[str, str] | None = None,
    by_type: Mapping[str, str] | None = None,
    topic_key: Callable[[str], str | None] = moto_topic_key,
) -> StrictWorld:
    """The template's identities in the handler tier's world, where the functions' `environment`
    names the table, topic and job role; `names` may name other resources (logical id -> name or
    ARN), `by_type` the only resource of a type (e.g. the state machine's ARN)."""
    resources: Mapping[str, Any] = template["Resources"]
    known: dict[str, str] = dict(names or {})
    for kind, name in (by_type or {}).items():
        of_kind = [logical for logical, body in resources.items() if body.get("Type") == kind]
        if len(of_kind) == 1:
            known.setdefault(of_kind[0], name)
    for body in resources.values():
        if body.get("Type") != "AWS::Lambda::Function":
            continue
        variables = body.get("Properties", {}).get("Environment", {}).get("Variables", {})
        for variable, reference in variables.items():
            if variable in environment and isinstance(reference, Mapping):
                target = reference.get("Ref") or (reference.get("Fn::GetAtt") or [None])[0]
                if target in resources:
                    known.setdefault(str(target), environment[variable])
    # The topic's key is the key of the topic the tier created.
    for body in resources.values():
        if body.get("Type") == "AWS::SNS::Topic":
            key_reference = body.get("Properties", {}).get("KmsMasterKeyId")
            topic = next((known[t] for t, b in resources.items() if b is body and t in known), None)
            if isinstance(key_reference, Mapping) and topic:
                key = (key_reference.get("Fn::GetAtt") or [key_reference.get("Ref")])[0]
                key_arn = topic_key(topic)
                if key_arn is None:
                    raise UnsupportedPolicy(f"the template encrypts the topic with {key}: create it with a KMS key")
                known.setdefault(str(key), key_arn)

    def resolve(logical: str, attribute: str | None) -> str:
        kind = resources.get(logical, {}).get("Type", "")
        values = _arn(kind, known.get(logical, logical), account, region)
        if attribute not in values:
            return f"offline-unresolved:{logical}.{attribute}"
        return values[attribute]

    env = Environment(account=account, region=region, topic_key=topic_key)
    return StrictWorld(identities(template, resolve, account=account, region=region), env)


def for_deployed_stack(template: Mapping[str, Any], stack_name: str, *, account: str, region: str) -> StrictWorld:
    """The template's identities resolved against moto's deployment of it (`stack_name`)."""
    from moto.cloudformation.models import cloudformation_backends

    stacks = [s for s in cloudformation_backends[account][region].stacks.values() if s.name == stack_name]
    if len(stacks) != 1:
        raise RuntimeError(f"expected one deployed stack {stack_name}, found {len(stacks)}")
    parsed: Mapping[str, Any] = stacks[0].resource_map._parsed_resources
    resources: Mapping[str, Any] = template["Resources"]

    def resolve(logical: str, attribute: str | None) -> str:
        deployed = parsed.get(logical)
        if deployed is None or isinstance(deployed, str | dict):
            return f"offline-skipped:{logical}"
        physical = str(deployed.physical_resource_id)
        if attribute is None:
            return physical
        try:
            return str(deployed.get_cfn_attribute(attribute))
        except Exception:  # moto does not implement every attribute: build it from the name
            kind = resources.get(logical, {}).get("Type", "")
            return _arn(kind, physical, account, region).get(attribute, f"offline-unresolved:{logical}.{attribute}")

    env = Environment(account=account, region=region, topic_key=moto_topic_key)
    return StrictWorld(identities(template, resolve, account=account, region=region), env)
