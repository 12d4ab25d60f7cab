"""Submission without a JVM: the driver's objects created through the Kubernetes API.

`NativeSubmitter.submit(argv)` takes the arguments the backend would pass to `spark-submit`,
resolves them (driver_conf.py), builds the driver's objects (driver_objects.py) and creates
them: the pod first, then at once its ConfigMap, Service and NetworkPolicy owned by it, so
deleting the pod deletes them; a session's kernel Secret (kernel_secret.py) goes with them. It answers with the driver's Spark application id. Arguments
it does not understand come back as `Unsupported` before anything is created; the caller
then runs `spark-submit`. Every submission is counted by the path it took, and every
fallback by its kind, in /metrics.
"""

import asyncio
import copy
import dataclasses
import functools
import getpass
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException
from prometheus_client import Counter

from lighter_common.backends.kubernetes.driver_conf import Unsupported, submitted_conf
from lighter_common.backends.kubernetes.driver_objects import (
    DriverIdentity,
    DriverObjects,
    PodTemplates,
    driver_objects,
)
from lighter_common.backends.kubernetes.kernel_secret import KernelSecret, pod_owner
from lighter_common.backends.kubernetes.pod_state import Pod
from lighter_common.backends.kubernetes.raw_api import RAW, create, json_body

_log = logging.getLogger(__name__)

SUBMISSIONS = Counter(
    "lighter_kubernetes_submissions_total",
    "Driver submissions, by the path they took (native or spark-submit)",
    ["path"],
)
FALLBACKS = Counter(
    "lighter_kubernetes_native_fallbacks_total",
    "Submissions the native path left to spark-submit, by kind of cause",
    ["kind"],
)


def submitting_user() -> str:
    """Who the driver says submitted it, as Spark's Utils.getCurrentUserName finds it."""
    return os.environ.get("SPARK_USER") or os.environ.get("HADOOP_USER_NAME") or getpass.getuser()


def plan(argv: Sequence[str], *, spark_home: Path | None = None) -> DriverObjects | Unsupported:
    """The objects `argv` would make spark-submit create, or why they cannot be built here.

    Reads the pod template files the conf names, as spark-submit would.
    """
    submitted = submitted_conf(argv)
    if isinstance(submitted, Unsupported):
        return submitted
    blocker = _environment_blocker(spark_home)
    if blocker is not None:
        return blocker
    templates = _read_templates(submitted.conf)
    if isinstance(templates, Unsupported):
        return templates
    return driver_objects(
        submitted, DriverIdentity.new(), spark_user=submitting_user(), templates=templates
    )


def _environment_blocker(spark_home: Path | None) -> Unsupported | None:
    """What spark-submit would take from the submitter's machine beyond its arguments."""
    if os.environ.get("HADOOP_CONF_DIR"):
        return Unsupported("HADOOP_CONF_DIR: spark-submit ships it in a ConfigMap", "environment")
    if os.environ.get("SPARK_LOCAL_DIRS"):
        return Unsupported(
            "SPARK_LOCAL_DIRS: spark-submit makes the driver's local dirs of it", "environment"
        )
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (spark_home and spark_home / "conf")
    if conf_dir and Path(conf_dir).is_dir():
        # spark-defaults.conf joins the conf, and the directory's files the driver's ConfigMap.
        return Unsupported(f"a Spark conf directory {conf_dir}", "environment")
    return None


def _read_templates(conf: dict[str, str]) -> PodTemplates | Unsupported:
    driver_file = conf.get("spark.kubernetes.driver.podTemplateFile")
    executor_file = conf.get("spark.kubernetes.executor.podTemplateFile")
    try:
        driver = _parsed_template(Path(driver_file)) if driver_file else None
        executor_text = Path(executor_file).read_text() if executor_file else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        # spark-submit then fails the same way, with its own message.
        return Unsupported(f"pod template: {error}", "file")
    if driver is not None and not isinstance(driver, dict):
        return Unsupported(f"pod template {driver_file} is not a Pod", "file")
    return PodTemplates(driver=driver, executor_text=executor_text)


def _parsed_template(path: Path) -> Any:
    """The YAML at `path`, parsed again only when the file changes: parsing is most of the
    CPU a launch spends on its own, and deployments name the same template every time."""
    stat = path.stat()
    return copy.deepcopy(_parsed_yaml(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _parsed_yaml(path: Path, modified_ns: int, size: int) -> Any:
    return yaml.safe_load(path.read_text())


@dataclass(frozen=True)
class Submitted:
    """A driver pod created natively (or found created already by another replica)."""

    spark_app_id: str | None


class NativeSubmitter:
    def __init__(self, api_client: client.ApiClient, *, spark_home: Path | None = None) -> None:
        self._api = api_client
        self._core = client.CoreV1Api(api_client)
        self._spark_home = spark_home  # the one spark-submit would run from

    async def submit(
        self, argv: Sequence[str], *, kernel_secret: KernelSecret | None = None
    ) -> Submitted | Unsupported:
        """The driver pod, created with its objects and `kernel_secret`, or why spark-submit
        must create them (then nothing is created). `argv` mounts the secret (its conf())."""
        # On the loop, not in a thread: planning takes a fraction of a millisecond and reads
        # only the pod templates, parsed once per version; the hop cost more than the work.
        planned = plan(argv, spark_home=self._spark_home)
        if isinstance(planned, Unsupported):
            FALLBACKS.labels(kind=planned.kind).inc()
            _log.info("native submission not possible, using spark-submit: %s", planned.reason)
            return planned
        return await self._create(planned, kernel_secret)

    async def _create(
        self, objects: DriverObjects, kernel_secret: KernelSecret | None
    ) -> Submitted:
        namespace = objects.pod["metadata"]["namespace"]
        try:
            pod_uid = await create(self._api, objects.pod)
        except ApiException as error:
            if error.status == 409:  # another replica launched this driver first
                _log.info("driver pod %s exists already", objects.pod_name)
                pod = await json_body(
                    self._core.read_namespaced_pod(objects.pod_name, namespace, **RAW)
                )
                return Submitted(Pod.model_validate(pod).spark_app_id)
            raise
        owned = objects.owned(pod_uid)
        if kernel_secret is not None:
            # Beside its pod, wherever the conf put it: a Secret is mounted from its namespace.
            secret = dataclasses.replace(kernel_secret, namespace=namespace)
            owned.append(secret.object(pod_owner(objects.pod_name, pod_uid)))
        try:
            outcomes = await asyncio.gather(
                *(create(self._api, each) for each in owned),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        except BaseException:
            # A pod without its ConfigMap never starts; remove it so a retry starts afresh.
            await self._core.delete_namespaced_pod(objects.pod_name, namespace)
            raise
        SUBMISSIONS.labels(path="native").inc()
        return Submitted(objects.spark_app_id)
