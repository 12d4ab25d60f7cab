"""The service's own settings: where it listens, what it keeps, its limits and its loops."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field

from lighter_common.domain.capacity import CapacityLimits
from lighter_common.settings.durations import Seconds
from lighter_common.settings.group import SettingsGroup

BackendName = Literal["local", "simulated", "kubernetes", "yarn"]


class ServerSettings(SettingsGroup):
    """Where each service listens and is reached, where it keeps data, what runs Spark."""

    backend: BackendName = Field(
        default="local",
        description="What runs Spark: `local`, `kubernetes`, `yarn` or `simulated` (load tests "
        "only)",
    )
    host: str = Field(default="127.0.0.1", description="The address every service listens on")
    port: int = Field(default=8080, description="The API's port (standalone: everything's)")
    public_url: str | None = Field(
        default=None,
        description="How clients reach the API, e.g. behind an ingress that serves Lighter "
        "under a path; derived from the host and port when unset",
    )
    session_manager_port: int = Field(
        default=8081, description="Distributed mode: the session-manager's kernel endpoint"
    )
    submitter_port: int = Field(
        default=8082, description="Distributed mode: the submitter's /health and /metrics"
    )
    tracker_port: int = Field(
        default=8083, description="Distributed mode: the tracker's /health and /metrics"
    )
    kernel_url: str | None = Field(
        default=None,
        description="How session drivers reach the kernel endpoint (on Kubernetes, required "
        "for sessions: the session-manager's Service, e.g. http://lighter-session-manager:8081); "
        "derived from the host and port when unset",
    )
    data_dir: Path = Field(
        default=Path(".lighter"),
        description="The SQLite store, local drivers' logs and saved driver pod logs; the "
        "store makes it 0700 and its database files 0600",
    )
    http_keep_alive: int = Field(
        default=75,
        ge=1,
        description="Seconds every service keeps an idle HTTP connection open: keep it above "
        "your clients' poll interval and your ingress's keep-alive",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto", description="`json`, `text`, or `auto`: JSON unless on a terminal"
    )
    log_level: str = Field(default="INFO", description="The services' log level")


class StoreSettings(SettingsGroup):
    """The store: MongoDB when a URL is given, else SQLite in the data directory."""

    mongo_url: str | None = Field(default=None, description="MongoDB store (else SQLite)")
    mongo_database: str = Field(default="lighter", description="The MongoDB database")
    mongo_timeout: float = Field(
        default=5.0, description="Seconds to wait for a reachable server before answering 503"
    )
    transition_log_retention: Seconds = Field(
        default=7 * 24 * 3600,
        ge=3600,
        description="How long the log of state changes is kept (at least 1h): the event "
        "stream resumes within it; documents keep every change",
    )


class BusSettings(SettingsGroup):
    """The bus: RabbitMQ when a URL is given, else in-process."""

    rabbitmq_url: str | None = Field(default=None, description="RabbitMQ bus (else in-process)")
    queue_prefix: str = Field(default="", description="Lets several Lighters share one broker")


class LimitsSettings(SettingsGroup):
    """Capacity and sizes: what Lighter takes on at once, and how much it keeps."""

    max_running_jobs: int = Field(
        default=5,
        ge=0,
        description="Batches running at once; beyond it applications wait in `not_started` "
        "and say why",
    )
    max_starting_jobs: int = Field(default=10, ge=1, description="Applications starting at once")
    max_running_sessions: int = Field(default=5, ge=0, description="Sessions alive at once")
    max_unfinished_per_user: int = Field(
        default=100,
        ge=0,
        description="Unfinished applications (deleted ones until their kill ends them) one "
        "authenticated user may hold; past it a submission answers 429 with Retry-After; "
        "0: no limit; not applied without authentication",
    )
    max_spark_submits: int = Field(
        default=0,
        ge=0,
        description="How many spark-submit JVMs the yarn and kubernetes backends run at once "
        "(each takes ~9 CPU-seconds); further launches wait their turn. 0: half this "
        "machine's cores, at least 1",
    )

    @property
    def spark_submit_slots(self) -> int:
        """`max_spark_submits`, or what this machine's cores carry."""
        return self.max_spark_submits or max(1, (os.cpu_count() or 2) // 2)

    log_max_bytes: int = Field(
        default=4 * 1024 * 1024, description="How much of a driver log is kept"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, description="Request bodies above this get a 413"
    )

    @property
    def capacity(self) -> CapacityLimits:
        return CapacityLimits(
            max_running_jobs=self.max_running_jobs,
            max_starting_jobs=self.max_starting_jobs,
            max_running_sessions=self.max_running_sessions,
        )


class LoopSettings(SettingsGroup):
    """How often the services look again, and how long they wait."""

    tracker_interval: Seconds = Field(
        default=1.0, description="How often the tracker checks the drivers' states"
    )
    sweep_interval: Seconds = Field(
        default=5.0, description="How often each service picks up commands that were lost"
    )
    launch_timeout: Seconds = Field(
        default=120.0,
        description="How long a launch may take: a driver that has not reported its Spark "
        "application id by then is stopped and its application ends (`error`, sessions "
        "`dead`); a claimed application that no launch recorded by then is launched again",
    )
    zombie_interval: Seconds = Field(
        default=10.0,
        description="How often the tracker stops drivers whose application is gone, "
        "finished, deleted or replaced",
    )
    events_poll_interval: Seconds = Field(
        default=0.5, description="How often the event stream reads the transition log"
    )
    events_keep_alive: Seconds = Field(
        default=15.0, description="How often an idle event stream says it is alive"
    )
    events_clock_skew: Seconds = Field(
        default=2.0,
        description="How far behind its cursor the event stream reads again, for writers "
        "whose clocks lag",
    )
