"""A driver's spark-submit to Kubernetes: its arguments, built from the application. Pure.

- cluster mode, `spark.kubernetes.submission.waitAppCompletion=false`: spark-submit returns once
  the driver pod exists;
- the pod's name, labels and annotations are Lighter's (labels.py), which is how every later
  step finds the driver;
- the operator's image, service account and pod templates;
- sessions: the driver's main file is the kernel, which it fetches over HTTP from the
  session-manager it then calls home to (LIGHTER_KERNEL_URL), with the kernel's package as its
  `--py-files`; the kernel's variables are the driver's environment
  (`spark.kubernetes.driverEnv.*`), except its secret, a Secret of the pod's own mounted as a
  file (kernel_secret.py).

Native submission (native_submit.py) builds the driver's objects from these same arguments.
"""

from dataclasses import dataclass

from lighter_common.backends.base import LaunchContext
from lighter_common.backends.kubernetes.kernel_secret import KernelSecret, without_secret
from lighter_common.backends.kubernetes.labels import (
    driver_annotations,
    driver_labels,
    driver_pod_name,
)
from lighter_common.backends.spark_submit import spark_submit_args
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey
from lighter_common.settings import Settings


@dataclass(frozen=True)
class Submission:
    """One driver's submission: its pod's name, spark-submit's arguments, its kernel secret."""

    pod_name: str
    argv: list[str]
    kernel_secret: KernelSecret | None


def driver_submission(
    app: Application, context: LaunchContext, settings: Settings, *, master: str
) -> Submission:
    """What spark-submit is given for `app`'s driver, and the kernel secret the arguments mount
    but do not hold."""
    key = DriverKey.of(app)
    pod_name = driver_pod_name(key)
    env, secret_value = without_secret(context.env or {})
    secret = None
    if secret_value is not None:
        secret = KernelSecret.of(key, settings.kubernetes.namespace, secret_value)
    conf = _conf(key, env, pod_name, settings)
    if secret is not None:
        conf.update(secret.conf())
    argv = spark_submit_args(
        app.submit_params,
        name=app.id,
        master=master,
        deploy_mode="cluster",
        main_file=_main_file(context, settings),
        main_py_files=_main_py_files(context),
        extra_conf=conf,
    )
    return Submission(pod_name=pod_name, argv=argv, kernel_secret=secret)


def _main_file(context: LaunchContext, settings: Settings) -> str | None:
    """A session's kernel, fetched by the driver from the session-manager it calls home to."""
    if context.kernel_file is None:
        return None
    if not (settings.server.kernel_url and context.kernel_file_url):
        # The address derived for local drivers (127.0.0.1) means nothing inside a pod.
        raise RuntimeError(
            "sessions on Kubernetes need LIGHTER_KERNEL_URL: the session-manager's "
            "address as driver pods reach it (its Service)"
        )
    return context.kernel_file_url


def _main_py_files(context: LaunchContext) -> list[str]:
    """The kernel's package, which the driver's spark-submit fetches from the same place."""
    if context.kernel_file is None:
        return []
    if not context.kernel_archive_url:
        raise RuntimeError("a session's launch names no kernel archive for its driver pod")
    return [context.kernel_archive_url]


def _conf(key: DriverKey, env: dict[str, str], pod_name: str, settings: Settings) -> dict[str, str]:
    kubernetes = settings.kubernetes
    conf = {
        "spark.kubernetes.submission.waitAppCompletion": "false",
        "spark.kubernetes.namespace": kubernetes.namespace,
        "spark.kubernetes.driver.pod.name": pod_name,
        "spark.kubernetes.authenticate.driver.serviceAccountName": kubernetes.service_account,
    }
    if kubernetes.image:
        conf["spark.kubernetes.container.image"] = kubernetes.image
    if kubernetes.driver_pod_template:
        conf["spark.kubernetes.driver.podTemplateFile"] = str(kubernetes.driver_pod_template)
    if kubernetes.executor_pod_template:
        conf["spark.kubernetes.executor.podTemplateFile"] = str(kubernetes.executor_pod_template)
    for label, value in driver_labels(key).items():
        conf[f"spark.kubernetes.driver.label.{label}"] = value
        conf[f"spark.kubernetes.executor.label.{label}"] = value
    for annotation, value in driver_annotations(key).items():
        conf[f"spark.kubernetes.driver.annotation.{annotation}"] = value
    for variable, value in env.items():
        conf[f"spark.kubernetes.driverEnv.{variable}"] = value
    return conf
