"""Every variable Lighter has read keeps its name and its meaning, whatever group it is in."""

import json
from pathlib import Path
from typing import Any

import pytest
from lighter_common.settings import PermanentSessionSpec, Settings
from lighter_common.settings.table import setting_rows

# (variable, value in the environment, where it lands, what it reads as)
VARIABLES: list[tuple[str, str, str, Any]] = [
    ("LIGHTER_BACKEND", "simulated", "server.backend", "simulated"),
    ("LIGHTER_HOST", "0.0.0.0", "server.host", "0.0.0.0"),
    ("LIGHTER_PORT", "9000", "server.port", 9000),
    ("LIGHTER_PUBLIC_URL", "https://x.org/l", "server.public_url", "https://x.org/l"),
    ("LIGHTER_SESSION_MANAGER_PORT", "9001", "server.session_manager_port", 9001),
    ("LIGHTER_SUBMITTER_PORT", "9002", "server.submitter_port", 9002),
    ("LIGHTER_TRACKER_PORT", "9003", "server.tracker_port", 9003),
    ("LIGHTER_KERNEL_URL", "http://sm:8081", "server.kernel_url", "http://sm:8081"),
    ("LIGHTER_DATA_DIR", "/var/lighter", "server.data_dir", Path("/var/lighter")),
    ("LIGHTER_HTTP_KEEP_ALIVE", "90", "server.http_keep_alive", 90),
    ("LIGHTER_LOG_FORMAT", "json", "server.log_format", "json"),
    ("LIGHTER_LOG_LEVEL", "DEBUG", "server.log_level", "DEBUG"),
    ("LIGHTER_MONGO_URL", "mongodb://m", "store.mongo_url", "mongodb://m"),
    ("LIGHTER_MONGO_DATABASE", "l2", "store.mongo_database", "l2"),
    ("LIGHTER_MONGO_TIMEOUT", "2.5", "store.mongo_timeout", 2.5),
    ("LIGHTER_TRANSITION_LOG_RETENTION", "2d", "store.transition_log_retention", 172800),
    ("LIGHTER_RABBITMQ_URL", "amqp://r", "bus.rabbitmq_url", "amqp://r"),
    ("LIGHTER_QUEUE_PREFIX", "team-a.", "bus.queue_prefix", "team-a."),
    ("LIGHTER_MAX_RUNNING_JOBS", "7", "limits.max_running_jobs", 7),
    ("LIGHTER_MAX_STARTING_JOBS", "3", "limits.max_starting_jobs", 3),
    ("LIGHTER_MAX_RUNNING_SESSIONS", "2", "limits.max_running_sessions", 2),
    ("LIGHTER_MAX_UNFINISHED_PER_USER", "0", "limits.max_unfinished_per_user", 0),
    ("LIGHTER_LOG_MAX_BYTES", "1000", "limits.log_max_bytes", 1000),
    ("LIGHTER_MAX_BODY_BYTES", "2000", "limits.max_body_bytes", 2000),
    ("LIGHTER_TRACKER_INTERVAL", "3", "loops.tracker_interval", 3),
    ("LIGHTER_SWEEP_INTERVAL", "1m", "loops.sweep_interval", 60),
    ("LIGHTER_LAUNCH_TIMEOUT", "5m", "loops.launch_timeout", 300),
    ("LIGHTER_ZOMBIE_INTERVAL", "30s", "loops.zombie_interval", 30),
    ("LIGHTER_EVENTS_POLL_INTERVAL", "0.2", "loops.events_poll_interval", 0.2),
    ("LIGHTER_EVENTS_KEEP_ALIVE", "20s", "loops.events_keep_alive", 20),
    ("LIGHTER_EVENTS_CLOCK_SKEW", "4", "loops.events_clock_skew", 4),
    # The original Lighter's minutes: a bare number counts minutes under either name.
    ("LIGHTER_SESSION_TIMEOUT_INTERVAL", "30", "sessions.session_timeout_interval", 1800),
    ("LIGHTER_SESSION_TIMEOUT_MINUTES", "45", "sessions.session_timeout_interval", 2700),
    ("LIGHTER_SESSION_CHECK_INTERVAL", "1s", "sessions.session_check_interval", 1),
    ("LIGHTER_KERNEL_POLL_TIMEOUT", "10", "sessions.kernel_poll_timeout", 10),
    (
        "LIGHTER_PERMANENT_SESSIONS",
        json.dumps([{"id": "shared-1"}]),
        "sessions.permanent_sessions",
        [PermanentSessionSpec(id="shared-1")],
    ),
    ("LIGHTER_CONF_DENY", "spark.x.*", "sharing.conf_deny", "spark.x.*"),
    ("LIGHTER_CONF_ALLOW", "spark.y.*", "sharing.conf_allow", "spark.y.*"),
    (
        "LIGHTER_CONF_POLICY_EXEMPTS_SUPERUSERS",
        "true",
        "sharing.conf_policy_exempts_superusers",
        True,
    ),
    ("LIGHTER_ALLOWED_LOCAL_DIRS", "/jobs", "sharing.allowed_local_dirs", "/jobs"),
    ("LIGHTER_SPARK_HISTORY_SERVER_URL", "http://h", "links.spark_history_server_url", "http://h"),
    (
        "LIGHTER_EXTERNAL_LOGS_URL_TEMPLATE",
        "http://l/{id}",
        "links.external_logs_url_template",
        "http://l/{id}",
    ),
    (
        "LIGHTER_SPARK_UI_URL_TEMPLATE",
        "http://u/{pod}",
        "links.spark_ui_url_template",
        "http://u/{pod}",
    ),
    ("LIGHTER_SPARK_HOME", "/opt/spark", "local.spark_home", Path("/opt/spark")),
    ("LIGHTER_SPARK_MASTER", "local[2]", "local.spark_master", "local[2]"),
    ("LIGHTER_KUBERNETES_ENABLED", "true", "kubernetes.enabled", True),
    ("LIGHTER_KUBERNETES_MASTER", "k8s://https://k", "kubernetes.master", "k8s://https://k"),
    ("LIGHTER_KUBERNETES_NAMESPACE", "jobs", "kubernetes.namespace", "jobs"),
    ("LIGHTER_KUBERNETES_SERVICE_ACCOUNT", "drv", "kubernetes.service_account", "drv"),
    ("LIGHTER_KUBERNETES_IMAGE", "spark:4", "kubernetes.image", "spark:4"),
    (
        "LIGHTER_KUBERNETES_DRIVER_POD_TEMPLATE",
        "/d.yaml",
        "kubernetes.driver_pod_template",
        Path("/d.yaml"),
    ),
    (
        "LIGHTER_KUBERNETES_EXECUTOR_POD_TEMPLATE",
        "/e.yaml",
        "kubernetes.executor_pod_template",
        Path("/e.yaml"),
    ),
    ("LIGHTER_KUBERNETES_KUBECONFIG", "/k", "kubernetes.kubeconfig", Path("/k")),
    ("LIGHTER_KUBERNETES_UNSCHEDULABLE_TIMEOUT", "2m", "kubernetes.unschedulable_timeout", 120),
    ("LIGHTER_KUBERNETES_START_TIMEOUT", "1h", "kubernetes.start_timeout", 3600),
    ("LIGHTER_KUBERNETES_SUBMIT_TIMEOUT", "30", "kubernetes.submit_timeout", 30),
    ("LIGHTER_KUBERNETES_SUBMIT", "spark-submit", "kubernetes.submit", "spark-submit"),
    ("LIGHTER_KUBERNETES_COMPLETED_POD_TTL", "10m", "kubernetes.completed_pod_ttl", 600),
    ("LIGHTER_MAX_SPARK_SUBMITS", "3", "limits.max_spark_submits", 3),
    ("LIGHTER_YARN_ENABLED", "true", "yarn.enabled", True),
    (
        "LIGHTER_YARN_HADOOP_CONF_DIR",
        "/etc/hadoop/a",
        "yarn.hadoop_conf_dir",
        Path("/etc/hadoop/a"),
    ),
    ("HADOOP_CONF_DIR", "/etc/hadoop/b", "yarn.hadoop_conf_dir", Path("/etc/hadoop/b")),
    ("LIGHTER_YARN_URL", "http://rm:8088", "yarn.url", "http://rm:8088"),
    ("LIGHTER_YARN_QUEUE", "etl", "yarn.queue", "etl"),
    ("LIGHTER_YARN_ARCHIVE", "hdfs:///spark.zip", "yarn.archive", "hdfs:///spark.zip"),
    ("LIGHTER_YARN_JARS", "hdfs:///spark/*", "yarn.jars", "hdfs:///spark/*"),
    ("LIGHTER_YARN_PYTHON", "/opt/py/bin/python", "yarn.python", "/opt/py/bin/python"),
    ("LIGHTER_YARN_USER", "lighter", "yarn.user", "lighter"),
    ("LIGHTER_YARN_SUBMIT_TIMEOUT", "1m", "yarn.submit_timeout", 60),
    ("LIGHTER_YARN_KERBEROS_PRINCIPAL", "lighter@EX", "yarn.kerberos_principal", "lighter@EX"),
    ("LIGHTER_YARN_KERBEROS_KEYTAB", "/k/l.keytab", "yarn.kerberos_keytab", Path("/k/l.keytab")),
    ("LIGHTER_YARN_SPNEGO", "true", "yarn.spnego", True),
    ("LIGHTER_SIMULATED_START_SECONDS", "0.1", "simulated.start_seconds", 0.1),
    ("LIGHTER_SIMULATED_RUN_SECONDS", "2", "simulated.run_seconds", 2),
]


def read(settings: Settings, path: str) -> Any:
    group, field = path.split(".")
    return getattr(getattr(settings, group), field)


@pytest.mark.parametrize(("variable", "raw", "path", "expected"), VARIABLES)
def test_each_variable_sets_its_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, path: str, expected: Any
) -> None:
    before = read(Settings(), path)
    monkeypatch.setenv(variable, raw)
    value = read(Settings(), path)
    assert value == expected
    assert value != before


def test_every_variable_of_the_table_is_above_and_no_other() -> None:
    listed = {name for row in setting_rows(Settings.groups()) for name in row.variables}
    assert listed == {variable for variable, *_ in VARIABLES}


def test_kubernetes_enabled_selects_the_backend_unless_one_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIGHTER_KUBERNETES_ENABLED", "true")
    assert Settings().server.backend == "kubernetes"
    monkeypatch.setenv("LIGHTER_BACKEND", "local")
    assert Settings().server.backend == "local"


def test_yarn_enabled_selects_the_backend_unless_one_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIGHTER_YARN_ENABLED", "true")
    assert Settings().server.backend == "yarn"
    monkeypatch.setenv("LIGHTER_BACKEND", "local")
    assert Settings().server.backend == "local"


def test_the_spark_submit_bound_defaults_to_half_the_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert Settings().limits.spark_submit_slots == 4
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert Settings().limits.spark_submit_slots == 1
    monkeypatch.setenv("LIGHTER_MAX_SPARK_SUBMITS", "3")
    assert Settings().limits.spark_submit_slots == 3


def test_a_group_given_is_used_and_the_others_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIGHTER_KUBERNETES_NAMESPACE", "jobs")
    settings = Settings.model_validate({"server": {"data_dir": tmp_path}})
    assert settings.server.data_dir == tmp_path
    assert settings.kubernetes.namespace == "jobs"
