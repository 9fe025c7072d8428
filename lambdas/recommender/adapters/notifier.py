"""SNS publishing."""

from __future__ import annotations

from recommender.adapters.aws import client
from recommender.logic.notification import Notification


def publish(topic_arn: str, notification: Notification) -> str:
    response = client("sns").publish(
        TopicArn=topic_arn,
        Subject=notification.subject,
        Message=notification.message,
        MessageStructure="json",
        MessageAttributes=notification.attributes,
    )
    return str(response["MessageId"])
