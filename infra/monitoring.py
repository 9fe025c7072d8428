"""Monitoring: alarms that notify the topic, and a dashboard of per-endpoint results and run outcomes."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.functions import METRICS_NAMESPACE

# What the Publish step emits once per completed run (dimensions EndpointName, JobType).
RESULT_METRICS = (
    ("CurrentMaxInvocations", "Current endpoint: max invocations per minute"),
    ("CurrentModelLatency", "Current endpoint: model latency (ms)"),
    ("BestCostPerInference", "Best recommendation: cost per inference (USD)"),
    ("RunDurationSeconds", "Run duration (s)"),
)
PERIOD = Duration.minutes(5)
# Publish Results emits `Regression` (1/0) once per completed run, per endpoint and job type.
REGRESSION_METRIC = "Regression"


def regression_query() -> str:
    """A Metrics Insights query over every endpoint's `Regression` (one alarm for all, no
    redeploy per endpoint; whatever dimensions Powertools adds)."""
    return f'SELECT MAX({REGRESSION_METRIC}) FROM "{METRICS_NAMESPACE}"'


RESULT_PERIOD = Duration.hours(6)


def result_search(metric_name: str) -> str:
    """A SEARCH over the orchestrator's namespace, so every endpoint appears without redeploying.

    It names the namespace and metric only (not the dimension schema): whether or not Powertools
    adds its `service` dimension to [EndpointName, JobType], each endpoint gets its own line.
    """
    query = f'Namespace="{METRICS_NAMESPACE}" MetricName="{metric_name}"'
    return f"SEARCH('{query}', 'Maximum', {int(RESULT_PERIOD.to_seconds())})"


class Monitoring(Construct):
    """`self.alarms` (each notifies the topic) and `self.dashboard`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        functions: Mapping[str, lambda_.Function],
        dead_letter_queue: sqs.Queue,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        notify = actions.SnsAction(topic)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(construct_id: str, metric: cloudwatch.Metric | cloudwatch.MathExpression, description: str) -> None:
            created = metric.create_alarm(
                self,
                construct_id,
                alarm_description=description,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(notify)
            self.alarms.append(created)

        outcomes = {
            "Failed": state_machine.metric_failed(period=PERIOD, statistic="Sum"),
            "TimedOut": state_machine.metric_timed_out(period=PERIOD, statistic="Sum"),
            "Aborted": state_machine.metric_aborted(period=PERIOD, statistic="Sum"),
        }
        for outcome, metric in outcomes.items():
            alarm(f"Executions{outcome}", metric, f"An Inference Recommender execution ended {outcome}.")
        for step, function in functions.items():
            # Domain errors (a rejected input, an ineligible endpoint, a failed job) are raised as
            # errors too, and each run failure is notified by itself; these alarms make a broken
            # deployment (import errors, missing permissions) or throttling visible.
            alarm(
                f"{step}Errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {step} step raised errors.",
            )
            alarm(
                f"{step}Throttles",
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                f"The {step} step was throttled.",
            )
        alarm(
            "Regression",
            cloudwatch.MathExpression(
                expression=regression_query(), using_metrics={}, period=PERIOD, label=REGRESSION_METRIC
            ),
            "A completed run measured the current endpoint's throughput or latency worse than the previous "
            "completed run of the same endpoint and job type (beyond regressionThroughputDropPercent / "
            "regressionLatencyRisePercent): see the run's notification.",
        )
        alarm(
            "DeadLetters",
            dead_letter_queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            "Something could not be delivered (a schedule, the clean-up rule, Record Failure or a "
            "notification): see the dead-letter queue.",
        )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", default_interval=Duration.days(28), period_override=cloudwatch.PeriodOverride.INHERIT
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown="## Inference Recommender orchestrator\nPer endpoint: the figures of each completed "
                "run (Publish Results). Below: execution outcomes, step errors, dead letters.",
                width=24,
                height=2,
            )
        )
        self.dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=title,
                    left=[
                        cloudwatch.MathExpression(
                            expression=result_search(name), using_metrics={}, period=RESULT_PERIOD
                        )
                    ],
                    width=6,
                    height=6,
                )
                for name, title in RESULT_METRICS
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Executions",
                left=[
                    state_machine.metric_started(period=Duration.hours(1), statistic="Sum", label="Started"),
                    state_machine.metric_succeeded(period=Duration.hours(1), statistic="Sum", label="Succeeded"),
                    *(metric.with_(period=Duration.hours(1), label=outcome) for outcome, metric in outcomes.items()),
                ],
                width=12,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Step errors",
                left=[
                    function.metric_errors(period=Duration.hours(1), statistic="Sum", label=step)
                    for step, function in functions.items()
                ],
                width=6,
                height=6,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=6, height=6),
        )
