"""Each backend's own settings: local, Kubernetes, YARN, simulated."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from lighter_common.settings.durations import Seconds
from lighter_common.settings.group import SettingsGroup


class LocalSettings(SettingsGroup):
    """The local backend (and where spark-submit comes from for Kubernetes and YARN)."""

    spark_home: Path | None = Field(
        default=None, description="Spark's home for spark-submit; the pyspark package's if unset"
    )
    spark_master: str = Field(default="local[*]", description="The local backend's master")


class KubernetesSettings(SettingsGroup):
    """The Kubernetes backend: drivers in cluster mode, one pod each."""

    model_config = SettingsConfigDict(env_prefix="LIGHTER_KUBERNETES_")

    enabled: bool = Field(
        default=False,
        description="The original Lighter's switch: true selects the kubernetes backend unless "
        "LIGHTER_BACKEND names another",
    )
    master: str | None = Field(
        default=None, description="`k8s://https://…`; from the kubeconfig when unset"
    )
    namespace: str = Field(default="spark", description="Where driver pods run")
    service_account: str = Field(
        default="spark", description="The drivers' service account (it creates executors)"
    )
    image: str | None = Field(
        default=None,
        description="`spark.kubernetes.container.image`; the kubernetes backend does not start "
        "without it",
    )
    driver_pod_template: Path | None = Field(default=None, description="The driver pod template")
    executor_pod_template: Path | None = Field(
        default=None, description="The executor pod template"
    )
    kubeconfig: Path | None = Field(
        default=None,
        description="Credentials; else KUBECONFIG, `~/.kube/config`, else in-cluster",
    )
    unschedulable_timeout: Seconds = Field(
        default=300.0, description="Then an unschedulable driver has failed"
    )
    start_timeout: Seconds = Field(
        default=600.0, description="Then a driver scheduled on a node but never started has failed"
    )
    submit_timeout: Seconds = Field(default=120.0, description="For one spark-submit")
    # tests/kubernetes/test_driver_objects_parity.py holds the two ways equal.
    submit: Literal["native", "spark-submit"] = Field(
        default="native",
        description="`native`: Lighter creates the driver's objects itself, without a JVM, and "
        "leaves to spark-submit what it cannot build; `spark-submit` for every submission",
    )
    completed_pod_ttl: Seconds = Field(
        default=3600.0,
        ge=0,
        description="Driver pods that ended are deleted this long after, their log saved "
        "first; so are pods whose driver failed while the pod goes on",
    )


class YarnSettings(SettingsGroup):
    """The YARN backend: drivers in cluster mode, submitted by spark-submit, tracked through the
    ResourceManager's REST API."""

    model_config = SettingsConfigDict(env_prefix="LIGHTER_YARN_")

    enabled: bool = Field(
        default=False,
        description="The original Lighter's switch: true selects the yarn backend unless "
        "LIGHTER_BACKEND names another",
    )
    hadoop_conf_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("LIGHTER_YARN_HADOOP_CONF_DIR", "HADOOP_CONF_DIR"),
        description="The cluster's client configuration (yarn-site.xml, core-site.xml): "
        "spark-submit's HADOOP_CONF_DIR, and where the ResourceManager is",
    )
    url: str | None = Field(
        default=None,
        description="The ResourceManager's web address (`http://rm:8088`; several, "
        "comma-separated, for HA); from yarn-site.xml when unset",
    )
    queue: str | None = Field(
        default=None,
        description="The queue of applications that name none (`queue`); YARN's default when unset",
    )
    archive: str | None = Field(
        default=None,
        description="`spark.yarn.archive`: Spark's jars on the cluster's file system, so that "
        "submissions do not upload them",
    )
    jars: str | None = Field(
        default=None, description="`spark.yarn.jars`, when there is no archive"
    )
    python: str | None = Field(
        default=None,
        description="`spark.pyspark.python`: the Python (with pyspark) of the cluster's nodes",
    )
    user: str | None = Field(
        default=None,
        description="The `user.name` Lighter gives the ResourceManager (kills) on a cluster "
        "without Kerberos; the service's own user when unset",
    )
    submit_timeout: Seconds = Field(default=300.0, description="For one spark-submit, once it runs")
    kerberos_principal: str | None = Field(
        default=None,
        description="Lighter's Kerberos principal (`lighter@REALM`), with its keytab: "
        "spark-submit's `--principal`, and Lighter's SPNEGO login to the ResourceManager",
    )
    kerberos_keytab: Path | None = Field(
        default=None,
        description="The principal's keytab (a file only Lighter's user reads): spark-submit's "
        "`--keytab`; the yarn backend does not start with only one of the two",
    )
    spnego: bool = Field(
        default=False,
        description="Kerberos (SPNEGO) to the ResourceManager's REST API from the ticket cache "
        "(KRB5CCNAME) when no keytab is set; always on with a keytab",
    )


class SimulatedSettings(SettingsGroup):
    """The simulated backend (load tests of the control plane only)."""

    model_config = SettingsConfigDict(env_prefix="LIGHTER_SIMULATED_")

    start_seconds: float = Field(default=0.5, description="How long an application starts")
    run_seconds: float = Field(default=5.0, description="How long an application runs")
