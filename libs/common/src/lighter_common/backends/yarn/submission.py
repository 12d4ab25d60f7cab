"""A driver's spark-submit to YARN: its arguments, built from the application. Pure.

- cluster mode, `spark.yarn.submit.waitAppCompletion=false`: spark-submit returns once the
  ResourceManager has accepted the application;
- tagged (tags.py), which is how every later step finds the application;
- the queue the user asked for (`queue`, which the access rules see), else the operator's;
- Spark's jars and the nodes' Python from the operator's settings;
- sessions: the kernel's files are paths on this machine, which spark-submit uploads to the
  application's staging directory; its variables are the ApplicationMaster's (the driver's)
  environment, except its secret. `spark.yarn.appMasterEnv.*` shows in the ResourceManager's
  UI to anyone who may view the application, so the secret goes as a file instead
  (`--files <path>#lighter-kernel-secret`), which only the application's containers (and its
  staging directory's owner) can read; the kernel reads it from its working directory
  (LIGHTER_KERNEL_SECRET_FILE);
- Kerberos: Lighter's principal and keytab (`--principal`, `--keytab`), except for a proxy
  user's application, which spark-submit refuses them with: the backend gives that one a
  ticket cache logged in from the keytab instead.
"""

import re
from collections.abc import Mapping
from pathlib import Path

from lighter_common.backends.kubernetes.kernel_secret import (
    KERNEL_SECRET_FILE_VARIABLE,
    without_secret,
)
from lighter_common.backends.spark_submit import spark_submit_args
from lighter_common.backends.yarn.kerberos import KeytabLogin
from lighter_common.backends.yarn.tags import spark_yarn_tags
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey
from lighter_common.settings.backends import YarnSettings

SECRET_FILE_NAME = "lighter-kernel-secret"
_SUBMITTED = re.compile(r"Submitted application (application_\d+_\d+)")


def submit_args(
    app: Application,
    settings: YarnSettings,
    *,
    env: Mapping[str, str],
    kernel_file: str | None = None,
    kernel_archive: str | None = None,
    secret_file: Path | None = None,
    login: KeytabLogin | None = None,
) -> list[str]:
    """spark-submit's arguments for `app`'s driver; `env` without the kernel's secret, which is
    in `secret_file` (for sessions); `login` Lighter's Kerberos principal and keytab."""
    params = app.submit_params
    update: dict[str, object] = {}
    if params.queue is None and settings.queue:
        update["queue"] = settings.queue
    if secret_file is not None:
        update["files"] = [*params.files, f"{secret_file}#{SECRET_FILE_NAME}"]
    conf = {
        "spark.yarn.submit.waitAppCompletion": "false",
        "spark.yarn.tags": spark_yarn_tags(DriverKey.of(app)),
    }
    for key, value in (
        ("spark.yarn.archive", settings.archive),
        ("spark.yarn.jars", settings.jars),
        ("spark.pyspark.python", settings.python),
    ):
        if value:
            conf[key] = value
    for variable, value in env.items():
        conf[f"spark.yarn.appMasterEnv.{variable}"] = value
    if secret_file is not None:
        conf[f"spark.yarn.appMasterEnv.{KERNEL_SECRET_FILE_VARIABLE}"] = SECRET_FILE_NAME
    if kernel_file is not None and kernel_archive is None:
        raise ValueError("a session's launch names no kernel archive")
    return spark_submit_args(
        params.model_copy(update=update),
        name=app.id,
        master="yarn",
        deploy_mode="cluster",
        main_file=kernel_file,
        main_py_files=[kernel_archive] if kernel_file and kernel_archive else [],
        extra_conf=conf,
        extra_options=login.submit_options() if login and not params.proxy_user else (),
    )


def split_secret(env: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """The driver's environment without the kernel secret, and the secret (or None)."""
    return without_secret(env)


def submitted_application(output: str) -> str | None:
    """The YARN application id spark-submit's output names, if any."""
    found = _SUBMITTED.findall(output)
    return found[-1] if found else None
