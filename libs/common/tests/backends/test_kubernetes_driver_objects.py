"""The driver builder's pure parts. Parity with spark-submit itself is proven against an API
server in tests/kubernetes/test_driver_objects_parity.py."""

from pathlib import Path
from typing import Any

import pytest
from lighter_common.backends.kubernetes import java_properties
from lighter_common.backends.kubernetes.driver_conf import (
    PYTHON_RUNNER,
    SubmittedConf,
    Unsupported,
    submitted_conf,
)
from lighter_common.backends.kubernetes.driver_names import (
    app_name_label,
    resource_name_prefix,
    unique_id,
)
from lighter_common.backends.kubernetes.driver_objects import (
    DriverIdentity,
    DriverObjects,
    PodTemplates,
    driver_objects,
    memory_mib,
)
from lighter_common.backends.kubernetes.native_submit import plan

BASE = [
    "--master",
    "k8s://https://k8s:6443",
    "--deploy-mode",
    "cluster",
    "--name",
    "app",
    "--conf",
    "spark.kubernetes.container.image=spark:4",
]


def submitted(*args: str) -> SubmittedConf:
    result = submitted_conf([*BASE, *args])
    assert isinstance(result, SubmittedConf), result
    return result


def built(*args: str) -> DriverObjects:
    result = driver_objects(submitted(*args), DriverIdentity.new(0), spark_user="root")
    assert isinstance(result, DriverObjects), result
    return result


def refused(*conf: str) -> Unsupported:
    """Why the builder leaves an app with these `--conf` settings to spark-submit."""
    args = [arg for setting in conf for arg in ("--conf", setting)]
    result = driver_objects(
        submitted(*args, "local:///job.py"), DriverIdentity.new(0), spark_user="root"
    )
    assert isinstance(result, Unsupported), result
    return result


@pytest.mark.parametrize(
    "properties",
    [
        {"a": "b"},
        {"spark.master": "k8s://https://h:1", "k": "x = y : z # ! \\ end"},
        {" key with spaces": "  leading", "tabs": "a\tb\nc", "unicode": "héllo wörld"},
        {"empty": ""},
    ],
)
def test_java_properties_read_back_what_they_wrote(properties: dict[str, str]) -> None:
    assert java_properties.loads(java_properties.dumps(properties, ["a comment"])) == properties


def test_java_properties_read_what_java_writes() -> None:
    text = "#c\nspark.master=k8s\\://h\\:1\nnote=a \\= b \\# c\nlong=one \\\n   two\n! comment\n"
    assert java_properties.loads(text) == {
        "spark.master": "k8s://h:1",
        "note": "a = b # c",
        "long": "one two",
    }


def test_options_win_over_conf_and_the_main_jar_joins_the_jars() -> None:
    conf = submitted(
        "--driver-memory",
        "2g",
        "--conf",
        "spark.driver.memory=4g",
        "--jars",
        "local:///a.jar",
        "--class",
        "org.example.Main",
        "--conf",
        "other.key=dropped",
        "local:///app.jar",
        "x",
    )
    assert conf.conf["spark.driver.memory"] == "2g"
    assert conf.conf["spark.jars"] == "local:///a.jar,local:///app.jar"
    assert "other.key" not in conf.conf
    assert (conf.main_class, conf.app_args, conf.is_python) == ("org.example.Main", ["x"], False)


def test_a_python_file_runs_through_the_python_runner() -> None:
    conf = submitted("--proxy-user", "alice", "local:///job.py")
    assert (conf.main_class, conf.proxy_user, conf.is_python) == (PYTHON_RUNNER, "alice", True)
    assert conf.conf["spark.kubernetes.resource.type"] == "python"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--conf", "spark.kubernetes.driver.podTemplateFile=s3a://b/t.yaml"], "this machine"),
        (["--conf", "spark.kubernetes.driver.service.ipFamilyPolicy=x"], "ipFamilyPolicy"),
        (["--conf", "spark.kubernetes.driver.service.label.spark-app-selector=x"], "Spark's own"),
        (["--conf", "spark.jars.packages=org:a:1"], "spark.jars.packages"),
        (["--conf", "spark.driver.resource.gpu.amount=1"], "gpu"),
        (["--conf", "spark.kubernetes.driver.label.spark-role=x"], "Spark's own"),
        (["--conf", "spark.kubernetes.driver.annotation.a={{APP_ID}}"], "template"),
        (["--py-files", "/home/me/dep.py"], "/home/me/dep.py"),
        (["--jars", "s3a://bucket/*.jar"], "s3a://bucket/*.jar"),
        (["--packages", "org:a:1"], "--packages"),
    ],
)
def test_conf_the_builder_does_not_know_leaves_the_app_to_spark_submit(
    args: list[str], reason: str
) -> None:
    result = submitted_conf([*BASE, *args, "local:///job.py"])
    assert isinstance(result, Unsupported)
    assert reason in result.reason


def test_a_jar_without_class_or_a_local_main_file_is_not_built() -> None:
    assert isinstance(submitted_conf([*BASE, "local:///app.jar"]), Unsupported)
    assert isinstance(submitted_conf([*BASE, "/home/me/job.py"]), Unsupported)


@pytest.mark.parametrize(
    ("text", "mib"),
    [("2g", 2048), ("512m", 512), ("1024", 1024), ("3000M", 3000), ("1500k", 1), ("1t", 2**20)],
)
def test_memory_is_read_as_spark_reads_it(text: str, mib: int) -> None:
    assert memory_mib(text) == mib


def test_memory_spark_rejects_is_not_built() -> None:
    result = driver_objects(
        submitted("--driver-memory", "1.5g", "local:///job.py"),
        DriverIdentity.new(0),
        spark_user="root",
    )
    assert isinstance(result, Unsupported)


def test_names_are_made_valid_as_spark_makes_them() -> None:
    assert (
        resource_name_prefix("My Java App!", "f4e861a2222f0c62") == "my-java-app-f4e861a2222f0c62"
    )
    assert resource_name_prefix("3F2a-Weird_Name.v2--", "1a") == "xf2a-weird-name-v2-1a"
    assert app_name_label("3F2a-Weird_Name.v2--") == "3f2a-weird-name-v2"
    assert len(app_name_label("a" * 80)) == 63
    assert unique_id(0x1A22233126F)[6:] == "a22233126f"


def test_memory_with_overhead_sizes_the_pod() -> None:
    python = built("local:///job.py").pod["spec"]["containers"][0]["resources"]
    assert python == {"requests": {"cpu": "1", "memory": "1433Mi"}, "limits": {"memory": "1433Mi"}}
    jvm = built("--class", "M", "--driver-memory", "2g", "local:///app.jar")
    assert jvm.pod["spec"]["containers"][0]["resources"]["limits"] == {"memory": "2432Mi"}
    assert jvm.properties["spark.kubernetes.memoryOverheadFactor"] == "0.1"


def test_a_name_too_long_for_a_service_gets_a_short_one() -> None:
    objects = built("--name", "a" * 80, "local:///job.py")
    assert objects.service["metadata"]["name"].startswith("spark-")
    assert len(objects.service["metadata"]["name"]) <= 63
    assert objects.properties["spark.driver.host"].startswith(objects.service["metadata"]["name"])


def test_the_owned_objects_name_the_pod_as_their_controller() -> None:
    objects = built("--conf", "spark.kubernetes.driver.pod.name=p-1", "local:///job.py")
    for owned in objects.owned("uid-1"):
        assert owned["metadata"]["ownerReferences"] == [
            {"apiVersion": "v1", "kind": "Pod", "name": "p-1", "uid": "uid-1", "controller": True}
        ]


VOLUMES = "spark.kubernetes.driver.volumes"


@pytest.mark.parametrize(
    ("conf", "reason"),
    [
        ([f"{VOLUMES}.persistentVolumeClaim.d.options.claimName=OnDemand"], "mount.path"),
        (
            [
                f"{VOLUMES}.persistentVolumeClaim.d.options.claimName=OnDemand",
                f"{VOLUMES}.persistentVolumeClaim.d.mount.path=/d",
            ],
            "on demand",
        ),
        (
            [
                f"{VOLUMES}.persistentVolumeClaim.d.options.claimName=c",
                f"{VOLUMES}.persistentVolumeClaim.d.options.storageClass=fast",
                f"{VOLUMES}.persistentVolumeClaim.d.mount.path=/d",
            ],
            "storageClass",
        ),
        ([f"{VOLUMES}.csi.d.mount.path=/d"], "volume type csi"),
        ([f"{VOLUMES}.emptyDir.d.mount.path=/d", f"{VOLUMES}.emptyDir.e.mount.path=/d"], "path"),
        (
            [f"{VOLUMES}.emptyDir.d.mount.path=/d", f"{VOLUMES}.emptyDir.d.options.sizeLimit=10"],
            "size",
        ),
    ],
)
def test_volumes_spark_submit_would_create_or_refuse_are_not_built(
    conf: list[str], reason: str
) -> None:
    assert reason in refused(*conf).reason


def test_the_local_dir_is_the_one_the_conf_names_in_memory_when_asked() -> None:
    objects = built(
        "--conf",
        "spark.local.dir=/scratch/spark",
        "--conf",
        "spark.kubernetes.local.dirs.tmpfs=True",
        "local:///job.py",
    )
    spec = objects.pod["spec"]
    container = spec["containers"][-1]
    assert {"name": "SPARK_LOCAL_DIRS", "value": "/scratch/spark"} in container["env"]
    assert {"name": "spark-local-dir-1", "mountPath": "/scratch/spark"} in container["volumeMounts"]
    assert {"name": "spark-local-dir-1", "emptyDir": {"medium": "Memory"}} in spec["volumes"]


def test_the_default_local_dir_is_on_the_nodes_disk() -> None:
    spec = built("local:///job.py").pod["spec"]
    assert {"name": "spark-local-dir-1", "emptyDir": {}} in spec["volumes"]


@pytest.mark.parametrize(
    ("conf", "reason"),
    [
        ([f"{VOLUMES}.emptyDir.spark-local-dir-1.mount.path=/tmp/x"], "local dir"),
        (["spark.local.dir=/a,/b"], "one directory"),
        (["spark.local.dir="], "one directory"),
        ([f"{VOLUMES}.emptyDir.scratch.mount.path=/a", "spark.local.dir=/a"], "another volume"),
        (["spark.kubernetes.local.dirs.tmpfs=yes"], "tmpfs"),
    ],
)
def test_local_dirs_spark_submit_would_make_otherwise_are_not_built(
    conf: list[str], reason: str
) -> None:
    assert reason in refused(*conf).reason


def test_moved_ports_are_the_ones_the_pod_the_service_and_the_conf_name() -> None:
    objects = built(
        *("--conf", "spark.driver.port=7777", "--conf", "spark.ui.port=4050"),
        *("--conf", "spark.connect.grpc.binding.port=15010", "local:///j.py"),
    )
    container_ports = {
        p["name"]: p["containerPort"] for p in objects.pod["spec"]["containers"][-1]["ports"]
    }
    service_ports = {p["name"]: p["port"] for p in objects.service["spec"]["ports"]}
    expected = {
        "driver-rpc-port": 7777,
        "blockmanager": 7079,
        "spark-ui": 4050,
        "spark-connect": 15010,
    }
    assert container_ports == service_ports == expected
    assert objects.properties["spark.driver.port"] == "7777"


@pytest.mark.parametrize(
    "setting",
    [
        "spark.driver.port=0",
        "spark.ui.port=http",
        "spark.driver.blockManager.port=70000",
        "spark.connect.grpc.binding.port= 15003",
    ],
)
def test_a_port_a_service_cannot_name_is_not_built(setting: str) -> None:
    assert setting.partition("=")[0] in refused(setting).reason


def template_objects(template: dict[str, Any], *args: str) -> DriverObjects | Unsupported:
    return driver_objects(
        submitted(
            "--conf", "spark.kubernetes.driver.podTemplateFile=/t.yaml", *args, "local:///j.py"
        ),
        DriverIdentity.new(0),
        spark_user="root",
        templates=PodTemplates(driver=template),
    )


def test_the_spark_container_of_a_template_is_the_named_one_and_goes_last() -> None:
    template = {"spec": {"containers": [{"name": "spark"}, {"name": "sidecar", "image": "s"}]}}
    objects = template_objects(
        template, "--conf", "spark.kubernetes.driver.podTemplateContainerName=spark"
    )
    assert isinstance(objects, DriverObjects)
    names = [container["name"] for container in objects.pod["spec"]["containers"]]
    assert names == ["sidecar", "spark"]


@pytest.mark.parametrize(
    "template",
    [
        {"spec": {"containers": [{"name": "a"}]}},  # no container of the name given
        {"spec": {"containers": [{"name": "spark", "securityContext": {"runAsUser": 1}}]}},
        {"spec": {"serviceAccount": "x", "containers": [{"name": "spark"}]}},
        {"spec": {"volumes": [{"name": "spark-local-dir-1", "emptyDir": {}}]}},
        {"kind": "Deployment"},
    ],
)
def test_templates_the_builder_cannot_merge_as_spark_does_are_not_built(
    template: dict[str, Any],
) -> None:
    result = template_objects(
        template, "--conf", "spark.kubernetes.driver.podTemplateContainerName=spark"
    )
    assert isinstance(result, Unsupported)


def test_a_template_file_that_cannot_be_read_leaves_the_app_to_spark_submit(
    tmp_path: Path,
) -> None:
    (tmp_path / "bad.yaml").write_text("spec: [unclosed")
    for path in (tmp_path / "missing.yaml", tmp_path / "bad.yaml"):
        result = plan(
            [*BASE, "--conf", f"spark.kubernetes.driver.podTemplateFile={path}", "local:///j.py"]
        )
        assert isinstance(result, Unsupported)
        assert result.kind == "file"


def test_a_changed_template_file_is_read_again(tmp_path: Path) -> None:
    template = tmp_path / "driver.yaml"
    argv = [*BASE, "--conf", f"spark.kubernetes.driver.podTemplateFile={template}", "local:///j.py"]

    def node_of_driver() -> str:
        built = plan(argv)
        assert isinstance(built, DriverObjects)
        node: str = built.pod["spec"]["nodeName"]
        built.pod["spec"]["nodeName"] = "changed-by-the-caller"  # must not reach the next
        return node

    template.write_text("spec:\n  nodeName: node-a\n")
    assert node_of_driver() == "node-a"
    assert node_of_driver() == "node-a"
    template.write_text("spec:\n  nodeName: node-bb\n")
    assert node_of_driver() == "node-bb"


def test_what_spark_submit_would_take_from_this_machine_leaves_the_app_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [*BASE, "local:///j.py"]
    assert isinstance(plan(argv, spark_home=tmp_path), DriverObjects)
    (tmp_path / "conf").mkdir()
    assert isinstance(plan(argv, spark_home=tmp_path), Unsupported)
    for variable in ("HADOOP_CONF_DIR", "SPARK_LOCAL_DIRS"):
        with monkeypatch.context() as environment:
            environment.setenv(variable, str(tmp_path))
            blocked = plan(argv)
        assert isinstance(blocked, Unsupported)
        assert blocked.kind == "environment"
        assert variable in blocked.reason
