"""The stack: composes the constructs, each owning one capability, and exports what people need."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.cleanup import Cleanup
from infra.config import RecommenderConfig
from infra.dead_letters import DeadLetters
from infra.fleet import Fleet
from infra.functions import Functions
from infra.job_role import JobRole
from infra.monitoring import Monitoring
from infra.notifications import Notifications
from infra.schedules import Schedules
from infra.store import ResultsStore
from infra.workflow import Workflow


class RecommenderStack(Stack):
    """Inference Recommender orchestrator: workflow, store, notifications, schedules, clean-up, alarms."""

    def __init__(self, scope: Construct, construct_id: str, *, config: RecommenderConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        dead_letters = DeadLetters(self, "DeadLetters")
        self.store = ResultsStore(self, "Results", retain=config.retain_data)
        self.notifications = Notifications(
            self, "Notifications", emails=config.notification_emails, dead_letter_queue=dead_letters.queue
        )
        job_role = JobRole(self, "JobRole", role_arn=config.job_role_arn)
        self.functions = Functions(
            self,
            "Functions",
            config=config,
            table=self.store.table,
            topic=self.notifications.topic,
            job_role=job_role.role,
            dead_letter_queue=dead_letters.queue,
        )
        self.workflow = Workflow(
            self,
            "Workflow",
            functions=self.functions,
            max_run_seconds=config.max_run_seconds,
            retain_logs=config.retain_data,
        )
        state_machine = self.workflow.state_machine
        Cleanup(
            self,
            "Cleanup",
            state_machine=state_machine,
            record_failure=self.functions.record_failure,
            dead_letter_queue=dead_letters.queue,
        )
        Monitoring(
            self,
            "Monitoring",
            state_machine=state_machine,
            functions=self.functions.all,
            dead_letter_queue=dead_letters.queue,
            topic=self.notifications.topic,
        )
        self.fleet = Fleet(self, "Fleet", functions=self.functions, child=state_machine, retain_logs=config.retain_data)
        Schedules(
            self,
            "Schedules",
            schedules=config.schedules,
            state_machine=state_machine,
            fleet_state_machine=self.fleet.state_machine,
            dead_letter_queue=dead_letters.queue,
        )
        CfnOutput(self, "StateMachineArn", value=state_machine.state_machine_arn, description="Start executions here")
        CfnOutput(
            self,
            "FleetStateMachineArn",
            value=self.fleet.state_machine.state_machine_arn,
            description="Start fleet runs here",
        )
        CfnOutput(self, "TopicArn", value=self.notifications.topic.topic_arn, description="Subscribe to run results")
        CfnOutput(self, "TableName", value=self.store.table.table_name, description="Run history and endpoint locks")
