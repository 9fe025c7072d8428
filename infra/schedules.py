"""Schedules: one EventBridge Scheduler schedule per `schedules` entry, each starting an execution."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import ScheduleConfig

# Scheduler retries a failed StartExecution (throttling, a service error) for up to an hour, then
# hands the event to the dead-letter queue.
RETRY_ATTEMPTS = 10
MAX_EVENT_AGE = Duration.hours(1)


class Schedules(Construct):
    """`self.schedules` in their own group (names as configured), started through `self.role`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedules: Sequence[ScheduleConfig],
        state_machine: sfn.IStateMachine,
        fleet_state_machine: sfn.IStateMachine,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.schedules: list[scheduler.Schedule] = []
        if not schedules:
            return
        # A group of this stack's own: schedule names stay as configured without clashing with
        # another deployment's. Its name is derived from the stack and construct path (the same on
        # every deployment), so it goes with the stack: a retained group would make the next
        # deployment after a destroy fail on "already exists" (its schedules go with it either way).
        group = scheduler.ScheduleGroup(self, "Group", removal_policy=RemovalPolicy.DESTROY)
        # One role for all schedules; the targets grant it states:StartExecution on the state
        # machines they start (the workflow, the fleet's) and sqs:SendMessage on the dead-letter
        # queue, nothing else.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="Lets this stack's schedules start its state machine",
        )
        for entry in schedules:
            self.schedules.append(
                scheduler.Schedule(
                    self,
                    entry.name,
                    schedule_name=entry.name,
                    schedule_group=group,
                    description=(
                        f"Fleet inference recommendations ({entry.name})"
                        if entry.fleet is not None
                        else f"Inference recommendation for {(entry.input or {})['endpointName']}"
                    ),
                    schedule=scheduler.ScheduleExpression.expression(
                        entry.expression, TimeZone.of(entry.timezone) if entry.timezone else None
                    ),
                    target=targets.StepFunctionsStartExecution(
                        fleet_state_machine if entry.is_fleet else state_machine,
                        input=scheduler.ScheduleTargetInput.from_object(entry.target_input),
                        role=self.role,
                        dead_letter_queue=dead_letter_queue,
                        retry_attempts=RETRY_ATTEMPTS,
                        max_event_age=MAX_EVENT_AGE,
                    ),
                )
            )
