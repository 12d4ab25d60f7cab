"""Submit params -> spark-submit arguments. Pure: no processes, no files, no clock."""

from collections.abc import Mapping

from lighter_common.domain.submit_params import SubmitParams

_LIST_OPTIONS = (
    ("--jars", "jars"),
    ("--py-files", "py_files"),
    ("--files", "files"),
    ("--archives", "archives"),
)
_SCALAR_OPTIONS = (
    ("--driver-memory", "driver_memory"),
    ("--driver-cores", "driver_cores"),
    ("--executor-memory", "executor_memory"),
    ("--executor-cores", "executor_cores"),
    ("--num-executors", "num_executors"),
    ("--queue", "queue"),
    ("--proxy-user", "proxy_user"),
)


def spark_submit_args(
    params: SubmitParams,
    *,
    name: str,
    master: str,
    deploy_mode: str | None = None,
    main_file: str | None = None,
    extra_conf: Mapping[str, str] | None = None,
) -> list[str]:
    """The arguments after `spark-submit` that run `params`.

    `main_file` replaces the params' file (sessions run the kernel). `extra_conf` is the
    backend's own conf and wins over the user's for the keys it names.
    """
    file = main_file or params.file
    if not file:
        raise ValueError("nothing to run: the submit params have no file")
    args = ["--master", master]
    if deploy_mode:
        args += ["--deploy-mode", deploy_mode]
    args += ["--name", params.name or name]
    if params.class_name:
        args += ["--class", params.class_name]
    for option, field in _LIST_OPTIONS:
        values: list[str] = getattr(params, field)
        if values:
            args += [option, ",".join(values)]
    for option, field in _SCALAR_OPTIONS:
        value = getattr(params, field)
        if value is not None:
            args += [option, str(value)]
    conf = {**params.spark_conf(), **(extra_conf or {})}
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    return [*args, file, *params.args]
