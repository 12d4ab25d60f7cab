import pytest
from lighter_common.domain.conf_policy import DEFAULT_DENY, ConfPolicy


@pytest.mark.parametrize(
    ("key", "denied"),
    [
        ("spark.kubernetes.driver.podTemplateFile", True),
        ("spark.kubernetes.scheduler.volcano.podGroupTemplateFile", True),
        ("spark.kubernetes.authenticate.driver.serviceAccountName", True),
        ("Spark.Kubernetes.Namespace", True),
        ("spark.kubernetes.executor.volumes.hostPath.data.options.path", True),
        ("spark.kubernetes.executor.volumes.persistentVolumeClaim.data.options.claimName", False),
        ("spark.kubernetes.driver.label.lighter-app-id", True),
        ("spark.kubernetes.driver.label.team", False),
        ("spark.executorEnv.LIGHTER_KERNEL_SECRET", True),
        ("spark.executorEnv.PATH", False),
        ("spark.sql.shuffle.partitions", False),
        ("spark.masterx", False),
        ("spark.yarn.tags", True),
        ("Spark.Yarn.Queue", True),
        ("spark.yarn.keytab", True),
        ("spark.yarn.access.hadoopFileSystems", True),
        ("spark.yarn.security.credentials.hive.enabled", True),
        ("spark.yarn.stagingDir", True),
        ("spark.yarn.unmanagedAM.enabled", True),
        ("spark.yarn.appMasterEnv.LIGHTER_KERNEL_SECRET", True),
        ("spark.yarn.appMasterEnv.PYSPARK_PYTHON", False),
        ("spark.hadoop.yarn.resourcemanager.address", True),
        ("spark.hadoop.hadoop.security.authentication", True),
        ("spark.hadoop.fs.s3a.endpoint", False),
        ("spark.yarn.maxAppAttempts", False),
        ("spark.yarn.priority", False),
    ],
)
def test_default_deny_list(key: str, denied: bool) -> None:
    assert ConfPolicy().is_denied(key) is denied


def test_operator_patterns_extend_and_lift() -> None:
    policy = ConfPolicy.of(deny="spark.executor.instances, spark.x.*", allow="spark.kerberos.*")
    assert policy.is_denied("spark.executor.instances")
    assert policy.is_denied("spark.x.y")
    assert not policy.is_denied("spark.kerberos.keytab")
    assert policy.deny[: len(DEFAULT_DENY)] == DEFAULT_DENY


def test_fixed_keys_are_denied() -> None:
    policy = ConfPolicy().with_fixed_keys(["spark.kubernetes.container.image"])
    assert policy.is_denied("spark.kubernetes.container.image")
    assert not policy.is_denied("spark.kubernetes.driver.container.image")


def test_java_options_may_not_set_spark_properties() -> None:
    problems = ConfPolicy().problems(
        {
            "spark.driver.extraJavaOptions": "-Xss4m -Dspark.master=local",
            "spark.executor.extraJavaOptions": "-Dlog4j.configuration=x",
        }
    )
    assert len(problems) == 1 and "spark.driver.extraJavaOptions" in problems[0]
