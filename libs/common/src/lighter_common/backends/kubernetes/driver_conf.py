"""What Spark's `spark-submit` makes of its arguments in Kubernetes cluster mode. Pure.

The native submission path (driver_objects.py) reads the same argument list that the
backend would pass to `spark-submit` (spark_submit.py), resolved here the way Spark
SPARK_VERSION's SparkSubmit resolves it: options win over `--conf`, the main jar joins
`spark.jars`, conf keys outside `spark.` are dropped. Anything this module does not know to
have no other effect on the driver's objects makes it answer `Unsupported(reason)`, and that
application goes through `spark-submit` instead: correctness never rests on the subset.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

SPARK_VERSION = "4.3.0"  # the Spark whose driver objects this mirrors; pyspark must match
PYTHON_RUNNER = "org.apache.spark.deploy.PythonRunner"

_VALUE_OPTIONS = {
    "--master": "spark.master",
    "--deploy-mode": "spark.submit.deployMode",
    "--name": "spark.app.name",
    "--jars": "spark.jars",
    "--py-files": "spark.submit.pyFiles",
    "--files": "spark.files",
    "--archives": "spark.archives",
    "--driver-memory": "spark.driver.memory",
    "--driver-cores": "spark.driver.cores",
    "--executor-memory": "spark.executor.memory",
    "--executor-cores": "spark.executor.cores",
    "--num-executors": "spark.executor.instances",
}
_OTHER_OPTIONS = ("--class", "--proxy-user", "--queue", "--conf")

# Keys whose effect on the driver's objects driver_objects.py reproduces, or that reach the
# driver only through spark.properties.
_KNOWN_KEYS = frozenset(
    {
        "spark.app.name",
        "spark.master",
        "spark.submit.deployMode",
        "spark.jars",
        "spark.files",
        "spark.archives",
        "spark.submit.pyFiles",
        "spark.driver.memory",
        "spark.driver.cores",
        "spark.driver.memoryOverhead",
        "spark.driver.memoryOverheadFactor",
        "spark.pyspark.python",
        "spark.pyspark.driver.python",
        "spark.kubernetes.namespace",
        "spark.kubernetes.container.image",
        "spark.kubernetes.driver.container.image",
        "spark.kubernetes.container.image.pullPolicy",
        "spark.kubernetes.container.image.pullSecrets",
        "spark.kubernetes.authenticate.driver.serviceAccountName",
        "spark.kubernetes.driver.pod.name",
        "spark.kubernetes.submission.waitAppCompletion",
        "spark.kubernetes.driver.request.cores",
        "spark.kubernetes.driver.limit.cores",
        "spark.kubernetes.memoryOverheadFactor",
        "spark.kubernetes.scheduler.name",
        "spark.kubernetes.driver.scheduler.name",
        "spark.local.dir",
        "spark.kubernetes.local.dirs.tmpfs",
        "spark.driver.port",
        "spark.driver.blockManager.port",
        "spark.ui.port",
        # Read by the caller (native_submit.py), merged by driver_objects.py.
        "spark.kubernetes.driver.podTemplateFile",
        "spark.kubernetes.driver.podTemplateContainerName",
        "spark.kubernetes.executor.podTemplateFile",
    }
)
_KNOWN_PREFIXES = (
    "spark.kubernetes.driver.label.",
    "spark.kubernetes.driver.annotation.",
    "spark.kubernetes.node.selector.",
    "spark.kubernetes.driver.node.selector.",
    "spark.kubernetes.driver.secrets.",
    "spark.kubernetes.driver.secretKeyRef.",
    "spark.kubernetes.driverEnv.",
    "spark.kubernetes.driver.volumes.",  # checked option by option in driver_objects.py
    "spark.kubernetes.allocation.",
    "spark.kubernetes.driver.service.label.",
    "spark.kubernetes.driver.service.annotation.",
    "spark.kubernetes.submission.",  # the submitting client's own; they travel in the conf
)
# Outside spark.kubernetes., these change the driver's pod or what spark-submit does before
# it creates it (resolving packages, uploading files); the rest only travel in the conf.
_POD_SHAPING_KEYS = (
    "spark.driver.resource.",
    "spark.driver.bindAddress",
    "spark.driver.host",
    "spark.blockManager.port",
    "spark.kerberos.",
    "spark.jars.",
    "spark.app.id",
    "spark.app.submitTime",
    "spark.authenticate",
)
_EXECUTOR_PREFIX = "spark.kubernetes.executor."
# Files the driver fetches itself; spark-submit would upload local ones first.
_PASSED_SCHEMES = ("local://", "http://", "https://")
_URI_KEYS = ("spark.jars", "spark.files", "spark.archives", "spark.submit.pyFiles")
_RESERVED_LABELS = ("spark-app-selector", "spark-role", "spark-app-name", "spark-version")


@dataclass(frozen=True)
class Unsupported:
    """Why the native path leaves an application to `spark-submit`.

    `kind` is one of a few words (option, conf, file, value, environment) for counting;
    `reason` names the option, key, file or variable.
    """

    reason: str
    kind: str = "conf"


class NotNative(Exception):
    """Raised inside the driver builder's parts; driver_objects returns it as Unsupported."""


@dataclass(frozen=True)
class SubmittedConf:
    """The application as spark-submit hands it to the driver builder."""

    conf: dict[str, str]  # every spark.* key, before the builder adds its own
    main_resource: str
    main_class: str
    app_args: list[str]
    proxy_user: str | None = None
    is_python: bool = False

    @property
    def app_name(self) -> str:
        return self.conf["spark.app.name"]


def prefixed(conf: dict[str, str], prefix: str) -> dict[str, str]:
    """The keys under `prefix`, without it, in a stable order."""
    under = sorted((k, v) for k, v in conf.items() if k.startswith(prefix))
    return {k[len(prefix) :]: v for k, v in under}


def submitted_conf(argv: Sequence[str]) -> SubmittedConf | Unsupported:
    """`argv` (what follows `spark-submit`) resolved as Spark's SparkSubmit would."""
    options: dict[str, str] = {}
    conf: dict[str, str] = {}
    main_class: str | None = None
    proxy_user: str | None = None
    index = 0
    while index < len(argv) and argv[index].startswith("--"):
        option = argv[index]
        if option not in _VALUE_OPTIONS and option not in _OTHER_OPTIONS:
            return Unsupported(f"spark-submit option {option}", "option")
        if index + 1 >= len(argv):
            return Unsupported(f"spark-submit option {option} without a value", "option")
        value = argv[index + 1]
        index += 2
        if option == "--conf":
            key, equals, conf_value = value.partition("=")
            if not equals:
                return Unsupported(f"--conf {value} is not key=value", "value")
            conf[key] = conf_value
        elif option == "--class":
            main_class = value
        elif option == "--proxy-user":
            proxy_user = value
        elif option in _VALUE_OPTIONS:
            options[_VALUE_OPTIONS[option]] = value
        # --queue is YARN's: spark-submit ignores it on Kubernetes.
    if index >= len(argv):
        return Unsupported("no application file", "option")
    main_resource, app_args = argv[index], list(argv[index + 1 :])

    resolved = {key: value for key, value in conf.items() if key.startswith("spark.")}
    resolved.update(options)
    problem = _unsupported_key(resolved) or _unsupported_value(resolved, main_resource)
    if problem is not None:
        return problem
    if resolved.get("spark.submit.deployMode") != "cluster":
        return Unsupported("only cluster mode is built natively", "option")
    if not resolved.get("spark.master", "").startswith("k8s://"):
        return Unsupported("the master is not k8s://", "option")

    is_python = main_resource.endswith(".py")
    if not is_python and main_class is None:
        return Unsupported("a jar without --class (spark-submit reads its manifest)", "file")
    if not is_python and not main_resource.endswith(".jar"):
        return Unsupported(f"main file {main_resource} is neither .py nor .jar", "file")
    resolved.setdefault("spark.app.name", main_class or main_resource)
    resolved["spark.kubernetes.resource.type"] = "python" if is_python else "java"
    resolved.setdefault("spark.submit.pyFiles", "")
    if not is_python:
        jars = [jar for jar in resolved.get("spark.jars", "").split(",") if jar]
        if main_resource not in jars:
            resolved["spark.jars"] = ",".join([*jars, main_resource])
    return SubmittedConf(
        conf=resolved,
        main_resource=main_resource,
        main_class=PYTHON_RUNNER if is_python else str(main_class),
        app_args=app_args,
        proxy_user=proxy_user,
        is_python=is_python,
    )


def _unsupported_key(conf: dict[str, str]) -> Unsupported | None:
    for key in conf:
        if key in _KNOWN_KEYS or key.startswith(_KNOWN_PREFIXES):
            continue
        if key.startswith(_EXECUTOR_PREFIX):
            continue
        if key.startswith("spark.kubernetes.") or key.startswith(_POD_SHAPING_KEYS):
            return Unsupported(f"conf {key}")
    return None


def _unsupported_value(conf: dict[str, str], main_resource: str) -> Unsupported | None:
    uris = [main_resource]
    for key in _URI_KEYS:
        uris += [uri for uri in conf.get(key, "").split(",") if uri]
    for uri in uris:
        if not uri.startswith(_PASSED_SCHEMES) or _GLOB.search(uri):
            return Unsupported(f"file {uri} (spark-submit resolves or uploads it)", "file")
    for key in TEMPLATE_KEYS:
        path = conf.get(key)
        if path is not None and not path.startswith("/"):
            return Unsupported(f"{key} {path} is not a path on this machine", "file")
    for key, value in conf.items():
        if "{{" in value and key.startswith("spark.kubernetes."):
            return Unsupported(f"conf {key} holds a template", "value")
        for prefix in ("spark.kubernetes.driver.label.", "spark.kubernetes.driver.service.label."):
            if key.startswith(prefix) and key[len(prefix) :] in _RESERVED_LABELS:
                return Unsupported(f"conf {key}: the label is Spark's own", "value")
    if not conf.get("spark.kubernetes.driver.container.image") and not conf.get(
        "spark.kubernetes.container.image"
    ):
        return Unsupported("no container image", "value")
    return None


TEMPLATE_KEYS = (
    "spark.kubernetes.driver.podTemplateFile",
    "spark.kubernetes.executor.podTemplateFile",
)
_GLOB = re.compile(r"[*?\[{]")
