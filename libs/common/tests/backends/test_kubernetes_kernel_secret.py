"""A session driver's kernel secret: a Secret of its own pod, mounted, never in the pod's spec."""

import base64
import json

from lighter_common.backends.kubernetes.driver_conf import SubmittedConf, submitted_conf
from lighter_common.backends.kubernetes.driver_objects import (
    DriverIdentity,
    DriverObjects,
    driver_objects,
)
from lighter_common.backends.kubernetes.kernel_secret import (
    KERNEL_SECRET_FILE_VARIABLE,
    KERNEL_SECRET_VARIABLE,
    SECRET_DIR,
    SECRET_FILE,
    SECRET_KEY,
    KernelSecret,
    pod_owner,
    secret_name,
    without_secret,
)
from lighter_common.backends.kubernetes.labels import APP_ID_LABEL, driver_pod_name
from lighter_common.domain.driver import DriverKey

SECRET = "s3cr3t-kernel-value"
KEY = DriverKey("0f3e8a2c-4b6d-4e1f-9a7b-5c3d2e1f0a9b", 3)


def built(secret: KernelSecret) -> DriverObjects:
    conf = {
        "spark.kubernetes.container.image": "spark:4",
        "spark.kubernetes.driver.pod.name": driver_pod_name(KEY),
        "spark.kubernetes.driverEnv.LIGHTER_SESSION_ID": KEY.app_id,
        **secret.conf(),
    }
    args = [
        *("--master", "k8s://https://k8s:6443", "--deploy-mode", "cluster", "--name", "s"),
        *(arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")),
        "local:///opt/kernel.py",
    ]
    submitted = submitted_conf(args)
    assert isinstance(submitted, SubmittedConf), submitted
    objects = driver_objects(submitted, DriverIdentity.new(0), spark_user="root")
    assert isinstance(objects, DriverObjects), objects
    return objects


def test_the_driver_pod_mounts_its_secret_and_names_the_file_not_the_value() -> None:
    secret = KernelSecret.of(KEY, "spark", SECRET)

    objects = built(secret)

    spec = objects.pod["spec"]
    volume = f"{secret.name}-volume"
    assert {"name": volume, "secret": {"secretName": secret.name}} in spec["volumes"]
    container = spec["containers"][-1]
    assert {"name": volume, "mountPath": SECRET_DIR} in container["volumeMounts"]
    assert {"name": KERNEL_SECRET_FILE_VARIABLE, "value": SECRET_FILE} in container["env"]
    assert f"{SECRET_DIR}/{SECRET_KEY}" == SECRET_FILE
    for readable in (objects.pod, objects.config_map, objects.service, objects.network_policy):
        assert SECRET not in json.dumps(readable)
        assert KERNEL_SECRET_VARIABLE not in json.dumps(readable).replace(
            KERNEL_SECRET_FILE_VARIABLE, ""
        )


def test_the_secret_holds_the_value_and_is_owned_by_the_pod() -> None:
    secret = KernelSecret.of(KEY, "spark", SECRET)

    made = secret.object(pod_owner("the-pod", "uid-1"))

    assert made["kind"] == "Secret"
    assert made["metadata"]["namespace"] == "spark"
    assert made["metadata"]["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Pod", "name": "the-pod", "uid": "uid-1", "controller": True}
    ]
    assert made["metadata"]["labels"][APP_ID_LABEL] == KEY.app_id
    assert base64.b64decode(made["data"][SECRET_KEY]).decode() == SECRET
    assert "ownerReferences" not in secret.object()["metadata"]


def test_each_driver_generation_has_its_own_secret_with_a_name_a_volume_can_take() -> None:
    long_id = "a" * 200
    names = {
        KernelSecret.of(DriverKey(long_id, generation), "ns", "x").name for generation in (0, 1)
    }

    assert len(names) == 2
    assert all(len(f"{name}-volume") <= 63 for name in names)
    assert secret_name(driver_pod_name(KEY)) == KernelSecret.of(KEY, "ns", "x").name


def test_the_secret_is_taken_out_of_the_drivers_environment() -> None:
    env, secret = without_secret({KERNEL_SECRET_VARIABLE: SECRET, "LIGHTER_SESSION_ID": "s"})

    assert secret == SECRET
    assert env == {"LIGHTER_SESSION_ID": "s"}
    assert without_secret({"A": "b"}) == ({"A": "b"}, None)
