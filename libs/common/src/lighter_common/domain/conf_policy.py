"""Which Spark conf keys a user may set: the server-side conf policy. Pure.

A user's conf reaches spark-submit, the native Kubernetes planner and the local driver alike,
so one policy decides for all of them, at submission (a 400 naming the key) and again at
launch. A key is refused when it matches a deny pattern and no allow pattern:

- the default deny-list (`DEFAULT_DENY`): keys that choose the application's identity, its
  namespace or master, credentials and Kerberos, host paths, files the submitting machine
  reads (pod templates, Ivy settings), code the submitter runs, and Lighter's own channel to
  the driver;
- the operator's additions (`LIGHTER_CONF_DENY`), e.g. `spark.kubernetes.node.selector.*`;
- keys the backend fixes itself (the driver pod's name, Lighter's labels, …), which would be
  overridden anyway.

`LIGHTER_CONF_ALLOW` lifts patterns of the defaults an operator trusts their users with.
Patterns are shell-style (`*` any run of characters), matched without regard to case, since
Spark itself reads some keys case-insensitively.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

DEFAULT_DENY: tuple[str, ...] = (
    # Where and as whom the application runs.
    "spark.master",
    "spark.remote",
    "spark.submit.deployMode",
    "spark.kubernetes.namespace",
    "spark.kubernetes.context",
    "spark.kubernetes.driver.master",
    "spark.kubernetes.authenticate.*",
    "spark.kubernetes.trust.certificates",
    "spark.kubernetes.submitInDriver",
    "spark.kubernetes.driver.pod.name",
    "spark.yarn.queue",  # through the `queue` param, which the access rules see
    "spark.yarn.tags",  # how Lighter finds its YARN applications
    "spark.yarn.stagingDir",  # where the submitter writes, with its own credentials
    "spark.yarn.unmanagedAM.*",  # an ApplicationMaster inside the submitter
    # The submitter's Hadoop client: which ResourceManager it submits to, how it logs in.
    "spark.hadoop.yarn.resourcemanager.*",
    "spark.hadoop.hadoop.security.*",
    # Credentials and Kerberos.
    "spark.kerberos.*",
    "spark.yarn.keytab",
    "spark.yarn.principal",
    "spark.yarn.access.*",
    "spark.yarn.security.*",
    "spark.yarn.credentials.*",
    "spark.kubernetes.kerberos.*",
    "spark.kubernetes.hadoop.configMapName",
    "spark.kubernetes.driver.secrets.*",
    "spark.kubernetes.executor.secrets.*",
    "spark.kubernetes.driver.secretKeyRef.*",
    "spark.kubernetes.executor.secretKeyRef.*",
    # The nodes' own filesystems.
    "spark.kubernetes.driver.volumes.hostPath.*",
    "spark.kubernetes.executor.volumes.hostPath.*",
    # Files the submitting machine reads, and code it runs.
    "spark.kubernetes.*TemplateFile",
    "spark.kubernetes.driver.pod.featureSteps",
    "spark.kubernetes.executor.pod.featureSteps",
    "spark.jars.ivySettings",
    "spark.jars.ivy",
    # Lighter's channels to its drivers.
    "spark.launcher.*",
    "spark.kubernetes.driverEnv.LIGHTER_*",
    "spark.executorEnv.LIGHTER_*",
    "spark.yarn.appMasterEnv.LIGHTER_*",
    "spark.kubernetes.driver.label.lighter-*",
    "spark.kubernetes.executor.label.lighter-*",
    "spark.kubernetes.driver.annotation.lighter*",
)

# Keys whose values name files the submitting machine may read and ship: the local-file rule
# (domain/local_files.py) checks each entry as it checks `jars`, `files` and the others.
FILE_LIST_KEYS: tuple[str, ...] = (
    "spark.jars",
    "spark.files",
    "spark.submit.pyFiles",
    "spark.archives",
    "spark.yarn.dist.jars",
    "spark.yarn.dist.files",
    "spark.yarn.dist.archives",
    "spark.yarn.dist.pyFiles",
    "spark.yarn.jars",
    "spark.yarn.archive",
)

# Spark's SparkConf reads `-Dspark.*` system properties into the conf: a Java option would
# set a denied key behind the policy's back.
_JAVA_OPTION_KEYS = re.compile(r"^spark\.(driver|executor|yarn\.am)\.(extra|default)JavaOptions$")
_SPARK_PROPERTY = re.compile(r"(^|\s)-Dspark\.", re.IGNORECASE)


def patterns(text: str | Iterable[str]) -> tuple[str, ...]:
    """Patterns from `a, b` (or an iterable), without blanks."""
    parts = text.split(",") if isinstance(text, str) else text
    return tuple(part.strip() for part in parts if part.strip())


@dataclass(frozen=True)
class ConfPolicy:
    deny: tuple[str, ...] = DEFAULT_DENY
    allow: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, deny: str | Iterable[str] = "", allow: str | Iterable[str] = "") -> "ConfPolicy":
        """The default deny-list, the operator's own deny patterns, and their allow patterns."""
        return cls(deny=(*DEFAULT_DENY, *patterns(deny)), allow=patterns(allow))

    def with_fixed_keys(self, keys: Iterable[str]) -> "ConfPolicy":
        """The policy that also refuses the keys a backend sets itself."""
        return ConfPolicy(deny=(*self.deny, *keys), allow=self.allow)

    def is_denied(self, key: str) -> bool:
        folded = key.lower()
        return _matches(folded, self.deny) and not _matches(folded, self.allow)

    def problems(self, conf: Mapping[str, str]) -> list[str]:
        """Why the user may not set these keys: one sentence per refused key."""
        found = []
        for key, value in conf.items():
            if self.is_denied(key):
                found.append(
                    f"conf key '{key}' is reserved by the server's conf policy "
                    "(LIGHTER_CONF_DENY / LIGHTER_CONF_ALLOW)"
                )
            elif _JAVA_OPTION_KEYS.match(key) and _SPARK_PROPERTY.search(value):
                found.append(
                    f"conf key '{key}' sets Spark properties (-Dspark.…): pass them as conf keys"
                )
        return found


def _matches(folded_key: str, candidates: Iterable[str]) -> bool:
    return any(fnmatchcase(folded_key, pattern.lower()) for pattern in candidates)
