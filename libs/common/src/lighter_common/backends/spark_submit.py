"""Submit params -> spark-submit arguments. Pure: no processes, no files, no clock.

The arguments are built as (option, value) pairs, flattened, and then read back the way
spark-submit's option parser reads them (`SparkSubmitOptionParser`): the launch goes on only
when spark-submit would see exactly the options Lighter meant — its master, deploy mode,
proxy user and conf — with every user value as data. The submit params refuse values that
look like options already; this second check holds whatever a later change lets through.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    main_py_files: Sequence[str] = (),
    extra_conf: Mapping[str, str] | None = None,
    extra_options: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """The arguments after `spark-submit` that run `params`.

    `main_file` replaces the params' file (sessions run the kernel), and `main_py_files` go
    on the Python path before the user's py-files (the kernel's package). `extra_conf` is
    the backend's own conf and wins over the user's for the keys it names; `extra_options`
    are the backend's own options (`--principal`, `--keytab`), never a user's.
    """
    file = main_file or params.file
    if not file:
        raise ValueError("nothing to run: the submit params have no file")
    options = [("--master", master)]
    if deploy_mode:
        options.append(("--deploy-mode", deploy_mode))
    options.append(("--name", params.name or name))
    if params.class_name:
        options.append(("--class", params.class_name))
    for option, field in _LIST_OPTIONS:
        values: list[str] = getattr(params, field)
        if field == "py_files":
            values = [*main_py_files, *values]
        if values:
            options.append((option, ",".join(values)))
    for option, field in _SCALAR_OPTIONS:
        value = getattr(params, field)
        if value is not None:
            options.append((option, str(value)))
    options += extra_options
    conf = {**params.spark_conf(), **(extra_conf or {})}
    options += [("--conf", f"{key}={value}") for key, value in conf.items()]
    argv = [part for pair in options for part in pair] + [file, *params.args]
    meant = ParsedSubmit(options=options, conf=conf, resource=file, app_args=list(params.args))
    if (seen := parse_submit_args(argv)) != meant:
        raise UnsafeArguments(
            "the spark-submit arguments would not be read as built (a value taken for an "
            f"option?): meant {meant.summary()}, spark-submit would see {seen.summary()}"
        )
    return argv


class UnsafeArguments(ValueError):
    """Arguments spark-submit would read otherwise than Lighter built them."""


# spark-submit's options (SparkSubmitOptionParser): those that take a value, and switches.
_WITH_VALUE = frozenset(
    [
        "--archives",
        "--class",
        "--conf",
        "-c",
        "--deploy-mode",
        "--driver-class-path",
        "--driver-cores",
        "--driver-java-options",
        "--driver-library-path",
        "--driver-memory",
        "--executor-cores",
        "--executor-memory",
        "--exclude-packages",
        "--files",
        "--jars",
        "--keytab",
        "--kill",
        "--master",
        "--name",
        "--num-executors",
        "--packages",
        "--principal",
        "--properties-file",
        "--proxy-user",
        "--py-files",
        "--queue",
        "--remote",
        "--repositories",
        "--status",
        "--total-executor-cores",
    ]
)
_SWITCHES = frozenset(
    ["--help", "-h", "--supervise", "--usage-error", "--verbose", "-v", "--version"]
)


@dataclass(frozen=True)
class ParsedSubmit:
    options: list[tuple[str, str]]
    conf: dict[str, str]  # the last value of each --conf key, split at its first `=`
    resource: str | None
    app_args: list[str]

    def summary(self) -> str:
        names = " ".join(option for option, _ in self.options)
        return f"[{names}] {self.resource!r}"


def parse_submit_args(argv: Sequence[str]) -> ParsedSubmit:
    """argv as spark-submit's parser reads it: options up to the primary resource, then the
    application's own arguments."""
    options: list[tuple[str, str]] = []
    conf: dict[str, str] = {}
    index = 0
    while index < len(argv):
        arg = argv[index]
        name, joined, inline = arg.partition("=")
        if arg.startswith("--") and joined and inline and name in _WITH_VALUE:
            option, value, index = name, inline, index + 1
        elif arg in _WITH_VALUE and index + 1 < len(argv):
            option, value, index = arg, argv[index + 1], index + 2
        elif arg in _SWITCHES or arg.startswith("-"):
            option, value, index = arg, "", index + 1  # a switch, or an option spark-submit refuses
        else:
            return ParsedSubmit(options, conf, arg, list(argv[index + 1 :]))
        options.append((option, value))
        if option in ("--conf", "-c"):
            key, _, conf_value = value.partition("=")
            conf[key] = conf_value
    return ParsedSubmit(options, conf, None, [])
