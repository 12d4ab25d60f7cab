"""Configuration from LIGHTER_* environment variables: the one place each default lives."""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lighter_common.domain.app_links import LinkTemplates, template_problem
from lighter_common.domain.application import ApplicationId
from lighter_common.domain.capacity import CapacityLimits
from lighter_common.domain.conf_policy import patterns
from lighter_common.domain.submission_policy import SubmissionPolicy, submission_policy
from lighter_common.domain.submit_params import SubmitParams, parse_duration


def _seconds(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


def _minutes(value: object) -> object:
    return parse_duration(value, bare_unit="m") if isinstance(value, str) else value


class PermanentSessionSpec(BaseModel):
    """A session that always exists under a fixed id: `{"id": …, "submitParams": {…}}`."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: ApplicationId
    submit_params: SubmitParams = Field(default_factory=SubmitParams, alias="submitParams")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIGHTER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path(".lighter")
    public_url: str | None = None  # how clients reach the API; derived when unset
    session_manager_port: int = 8081  # distributed mode: the kernel endpoint's own port
    submitter_port: int = 8082  # distributed mode: health and metrics
    tracker_port: int = 8083  # distributed mode: health and metrics
    kernel_url: str | None = None  # how Spark drivers reach the kernel endpoint; derived when unset
    # Seconds an idle HTTP keep-alive connection stays open: longer than any client's poll
    # interval and than the ingress in front (75, as nginx).
    http_keep_alive: int = Field(default=75, ge=1)

    # Adapters. Empty URLs mean the standalone adapters (SQLite store, in-process bus).
    mongo_url: str | None = None
    mongo_database: str = "lighter"
    mongo_timeout: float = 5.0  # seconds to wait for a reachable server before answering 503
    rabbitmq_url: str | None = None
    queue_prefix: str = ""  # lets several Lighters share one broker
    backend: Literal["local", "simulated", "kubernetes"] = "local"

    # Capacity.
    max_running_jobs: int = Field(default=5, ge=0)
    max_starting_jobs: int = Field(default=10, ge=1)
    max_running_sessions: int = Field(default=5, ge=0)
    # Unfinished applications one authenticated user may hold at once (0: no limit;
    # domain/quota.py); past it a submission answers 429 with Retry-After.
    max_unfinished_per_user: int = Field(default=100, ge=0)

    # Loops (durations in seconds; strings such as '30s' or '10m' are accepted).
    tracker_interval: float = 1.0
    sweep_interval: float = 5.0
    launch_timeout: float = 120.0
    zombie_interval: float = 10.0
    session_timeout_interval: float = Field(
        default=90 * 60,
        validation_alias=AliasChoices(
            "LIGHTER_SESSION_TIMEOUT_INTERVAL", "LIGHTER_SESSION_TIMEOUT_MINUTES"
        ),
    )
    session_check_interval: float = 2.0
    kernel_poll_timeout: float = 25.0
    # The event stream: how often it reads the log, how often an idle stream says it is alive,
    # and how far behind its cursor it re-reads for writers whose clocks lag.
    events_poll_interval: float = 0.5
    events_keep_alive: float = 15.0
    events_clock_skew: float = 2.0
    # The transition log is kept this long (the event stream resumes within it), then pruned.
    transition_log_retention: float = Field(default=7 * 24 * 3600, ge=3600)

    # Sessions created at startup and kept alive (a JSON list of PermanentSessionSpec).
    permanent_sessions: list[PermanentSessionSpec] = Field(default_factory=list)

    # Limits.
    log_max_bytes: int = 4 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024

    # Sharing one Lighter (the README's "Security model"). Conf key patterns users may not set
    # beyond the default deny-list (domain/conf_policy.py), and defaults they may set after all.
    conf_deny: str = ""
    conf_allow: str = ""
    conf_policy_exempts_superusers: bool = False
    # Where submissions may name files of the server (comma-separated); unset: anywhere while
    # authentication is off, nowhere while it is on (domain/local_files.py).
    allowed_local_dirs: str | None = None

    # Links in each application's appInfo (placeholders: domain/app_links.py). The first two
    # are the original Lighter's; its UI links the History Server and the external logs.
    spark_history_server_url: str | None = None
    external_logs_url_template: str | None = None  # the driver log link
    spark_ui_url_template: str | None = None

    # Local backend.
    spark_home: Path | None = None
    spark_master: str = "local[*]"

    # Kubernetes backend (LIGHTER_BACKEND=kubernetes, or Lighter's LIGHTER_KUBERNETES_ENABLED).
    kubernetes_enabled: bool = False
    kubernetes_master: str | None = None  # k8s://https://…; from the kubeconfig when unset
    kubernetes_namespace: str = "spark"
    kubernetes_service_account: str = "spark"
    kubernetes_image: str | None = None  # spark.kubernetes.container.image
    kubernetes_driver_pod_template: Path | None = None
    kubernetes_executor_pod_template: Path | None = None
    kubernetes_kubeconfig: Path | None = None  # KUBECONFIG or ~/.kube/config, else in-cluster
    kubernetes_unschedulable_timeout: float = 300.0  # then an unschedulable driver has failed
    kubernetes_start_timeout: float = 600.0  # then a driver scheduled but never started failed
    kubernetes_submit_timeout: float = 120.0  # for one spark-submit
    # native: Lighter creates the driver's pod, ConfigMap and Service itself (no JVM), and
    # leaves to spark-submit what it cannot build (backends/kubernetes/native_submit.py);
    # tests/kubernetes/test_driver_objects_parity.py holds the two equal.
    kubernetes_submit: Literal["native", "spark-submit"] = "native"
    # Driver pods that ended are deleted this long after (their logs are kept first).
    kubernetes_completed_pod_ttl: float = Field(default=3600.0, ge=0)

    # Simulated backend (load tests only): how long an application starts and runs.
    simulated_start_seconds: float = 0.5
    simulated_run_seconds: float = 5.0

    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: str = "INFO"

    _duration_fields = field_validator(
        "tracker_interval",
        "sweep_interval",
        "launch_timeout",
        "zombie_interval",
        "session_check_interval",
        "kernel_poll_timeout",
        "events_poll_interval",
        "events_keep_alive",
        "transition_log_retention",
        "events_clock_skew",
        "kubernetes_unschedulable_timeout",
        "kubernetes_start_timeout",
        "kubernetes_submit_timeout",
        "kubernetes_completed_pod_ttl",
        mode="before",
    )(_seconds)

    @field_validator("external_logs_url_template", "spark_ui_url_template")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        problem = template_problem(value) if value else None
        if problem is not None:
            raise ValueError(problem)
        return value

    # Lighter's LIGHTER_SESSION_TIMEOUT_* values count minutes.
    _minute_fields = field_validator("session_timeout_interval", mode="before")(_minutes)

    @model_validator(mode="after")
    def _kubernetes_enabled_selects_its_backend(self) -> "Settings":
        # Lighter's LIGHTER_KUBERNETES_ENABLED=true means the kubernetes backend, unless
        # LIGHTER_BACKEND names another one explicitly.
        if self.kubernetes_enabled and "backend" not in self.model_fields_set:
            self.backend = "kubernetes"
        return self

    @cached_property
    def capacity(self) -> CapacityLimits:
        return CapacityLimits(
            max_running_jobs=self.max_running_jobs,
            max_starting_jobs=self.max_starting_jobs,
            max_running_sessions=self.max_running_sessions,
        )

    def submission_policy(self, *, local_paths_open: bool) -> SubmissionPolicy:
        """The conf policy and local-file rule; `local_paths_open` when no directory is named."""
        dirs = None
        if self.allowed_local_dirs is not None or not local_paths_open:
            dirs = patterns(self.allowed_local_dirs or "")
        return submission_policy(
            conf_deny=self.conf_deny,
            conf_allow=self.conf_allow,
            fixed_keys=self._operator_fixed_keys(),
            allowed_local_dirs=dirs,
            local_scheme_is_server=self.backend == "local",
        )

    def _operator_fixed_keys(self) -> list[str]:
        keys = ["spark.kubernetes.submission.waitAppCompletion"]
        if self.kubernetes_image:
            keys.append("spark.kubernetes.container.image")
        return keys

    @cached_property
    def link_templates(self) -> LinkTemplates:
        return LinkTemplates(
            spark_ui=self.spark_ui_url_template,
            driver_log=self.external_logs_url_template,
            spark_history_server=self.spark_history_server_url,
            namespace=self.kubernetes_namespace,
        )

    @property
    def is_distributed(self) -> bool:
        return bool(self.mongo_url and self.rabbitmq_url)

    @property
    def kernel_base_url(self) -> str:
        """Where session drivers call home: the session-manager (the API in standalone)."""
        if self.kernel_url:
            return self.kernel_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        port = self.session_manager_port if self.is_distributed else self.port
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"
