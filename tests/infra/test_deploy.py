"""Deploy defects: destroy + deploy works, the state machine's log group name, confused-deputy conditions."""

from __future__ import annotations

from typing import Any

from tests.infra.support import Synthesized, logical_id, resources

ACCOUNT = {"Ref": "AWS::AccountId"}
ALARMS_OF_THIS_ACCOUNT = {
    "ArnLike": {
        "aws:SourceArn": {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:", {"Ref": "AWS::Region"}, ":", ACCOUNT, ":alarm:*"],
            ]
        }
    },
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
}


def test_schedule_group_goes_with_the_stack(sample_synth: Synthesized) -> None:
    # Its name is the same on every deployment: retained, it makes the next deployment after a
    # destroy fail on "already exists".
    ((logical, group),) = resources(sample_synth.template, "AWS::Scheduler::ScheduleGroup").items()
    assert group.get("DeletionPolicy") == "Delete", logical
    assert group.get("UpdateReplacePolicy") == "Delete", logical


def test_every_fixed_name_goes_with_the_stack(default_synth: Synthesized, sample_synth: Synthesized) -> None:
    # The general rule behind the schedule group: whatever CloudFormation retains must not carry a
    # name the next deployment reuses (a retained log group's name ends with the stack's unique id).
    for synth in (default_synth, sample_synth):
        for logical, body in synth.template["Resources"].items():
            if body.get("DeletionPolicy") != "Retain":
                continue
            name = next((v for k, v in body.get("Properties", {}).items() if k in {"Name", "LogGroupName"}), None)
            if isinstance(name, str):
                raise AssertionError(f"{logical} is retained with the fixed name {name!r}")
            if name is not None:
                assert "AWS::StackId" in str(name), (logical, name)


def log_group_name(template: dict[str, Any]) -> Any:
    log_group = logical_id(template, "AWS::Logs::LogGroup", "WorkflowLogs")
    return template["Resources"][log_group]["Properties"]["LogGroupName"]


def test_state_machine_logs_go_under_vendedlogs(default_synth: Synthesized, sample_synth: Synthesized) -> None:
    for synth in (default_synth, sample_synth):
        name = log_group_name(synth.template)
        assert name == {
            "Fn::Join": [
                "",
                [
                    "/aws/vendedlogs/states/",
                    {"Ref": "AWS::StackName"},
                    "-",
                    {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
                ],
            ]
        }
        # The longest it can get: 128 (stack name) + 36 (stack UUID) + the prefix, within 512.
        assert len("/aws/vendedlogs/states/") + 128 + 1 + 36 <= 512


def test_cloudwatch_uses_the_topic_key_for_this_accounts_alarms_only(default_synth: Synthesized) -> None:
    key = logical_id(default_synth.template, "AWS::KMS::Key", "NotificationsKey")
    statements = default_synth.template["Resources"][key]["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Condition"] == ALARMS_OF_THIS_ACCOUNT
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_cloudwatch_publishes_to_the_topic_for_this_accounts_alarms_only(default_synth: Synthesized) -> None:
    (policy,) = resources(default_synth.template, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (cloudwatch,) = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Condition"] == ALARMS_OF_THIS_ACCOUNT


def test_sagemaker_assumes_the_job_role_for_this_accounts_resources_only(default_synth: Synthesized) -> None:
    role = logical_id(default_synth.template, "AWS::IAM::Role", "JobRole")
    (trust,) = default_synth.template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:", {"Ref": "AWS::Region"}, ":", ACCOUNT, ":*"],
                ]
            }
        },
    }
