"""What `/metrics` reports, in Prometheus' text format.

Each App owns one registry (never prometheus-client's global default), so two apps in
one process, as in tests, never share or double-count series. Labels stay few and
bounded: a command name, a platform, a network, an outcome.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from chatbot.influence.refresh import RefreshReport

CONTENT_TYPE = CONTENT_TYPE_LATEST

COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WAIT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.command_seconds = Histogram(
            "kloutbot_command_seconds", "Time to answer a /klout command.",
            ("command", "platform"), buckets=COMMAND_BUCKETS, registry=self.registry)
        self.refresh_accounts = Counter(
            "kloutbot_refresh_accounts", "Accounts a refresh fetched or failed to fetch.",
            ("network", "outcome"), registry=self.registry)
        self.refresh_deferred = Counter(
            "kloutbot_refresh_deferred_members",
            "Members a refresh left for later because a network's rate limit was spent.",
            registry=self.registry)
        self.rate_limit_wait_seconds = Histogram(
            "kloutbot_rate_limit_wait_seconds",
            "Waits for a network's rate-limit budget before a request.",
            ("network",), buckets=WAIT_BUCKETS, registry=self.registry)
        self.weekly_posts = Counter(
            "kloutbot_weekly_posts", "Weekly #FollowFriday post attempts by outcome.",
            ("outcome",), registry=self.registry)

    def command_answered(self, command: str, platform: str, seconds: float) -> None:
        self.command_seconds.labels(command, platform).observe(seconds)

    def refreshed(self, report: RefreshReport) -> None:
        for network, count in report.fetched.items():
            self.refresh_accounts.labels(network, "fetched").inc(count)
        for network, count in report.failed.items():
            self.refresh_accounts.labels(network, "failed").inc(count)
        self.refresh_deferred.inc(report.deferred)

    def rate_limit_waited(self, network: str, seconds: float) -> None:
        self.rate_limit_wait_seconds.labels(network).observe(seconds)

    def weekly_post(self, outcome: str, count: int = 1) -> None:
        self.weekly_posts.labels(outcome).inc(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
