"""What a client asks to run: the union of Lighter's and Livy's request fields.

Every value here reaches spark-submit or a driver pod as data, never as an option: a value
spark-submit could read as one (a leading `-`), a control character where a name or a path is
expected, or a conf key Spark would split differently (`=`, blanks) is refused at the
boundary, and each list and value is bounded (the limits below, documented in the README).
"""

import re
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
)
from pydantic.alias_generators import to_camel

_SIZE = re.compile(r"^[0-9]+(\.[0-9]+)?\s*([kmgtp]i?b?|b)?$", re.IGNORECASE)
# Spark's default spark.redaction.regex (secret|password|token|access.?key) and any key,
# pass or credential: `spark.executorEnv.API_KEY`, `…_PASS`, `PGPASS`, `fs.azure.account.key.*`.
_SECRET_KEY = re.compile(r"secret|token|key|pass|credential", re.IGNORECASE)
REDACTED = "[redacted]"

# Limits of one submission: far above what a real job sends, far below what stalls a server.
MAX_ARGS: Final = 1000
MAX_FILES: Final = 200  # entries in each of jars, pyFiles, files, archives
MAX_CONF_ENTRIES: Final = 500
MAX_VALUE_CHARS: Final = 16 * 1024  # one argument, path or conf value
MAX_NAME_CHARS: Final = 256  # keys, class names, users, queues, kinds

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_JAVA_CLASS = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")
# `=` would move the key/value split spark-submit makes in `--conf key=value`.
_CONF_KEY = re.compile(r"^[^\s=\x00-\x1f\x7f]+$")

ConfValue = str | bool | int | float | None


def _data_not_option(value: str) -> str:
    """A name or path spark-submit must take as data: no leading `-`, no control characters."""
    if value.startswith("-"):
        raise ValueError(f"'{value}' starts with '-', which spark-submit would read as an option")
    if _CONTROL.search(value):
        raise ValueError("control characters (such as a newline) are not allowed here")
    return value


def _java_class(value: str) -> str:
    if not _JAVA_CLASS.match(value):
        raise ValueError(f"'{value}' is not a Java class name such as org.example.Main")
    return value


def _free_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def _check_conf(conf: dict[str, "ConfValue"]) -> dict[str, "ConfValue"]:
    for key, value in conf.items():
        if len(key) > MAX_NAME_CHARS:
            raise ValueError(f"conf key '{key[:40]}…' is longer than {MAX_NAME_CHARS} characters")
        if not _CONF_KEY.match(key) or key.startswith("-"):
            raise ValueError(
                f"conf key {key!r} is not a Spark conf key: no '=', blanks, control characters "
                "or leading '-'"
            )
        if isinstance(value, str) and (len(value) > MAX_VALUE_CHARS or "\x00" in value):
            raise ValueError(
                f"conf value of '{key}' is longer than {MAX_VALUE_CHARS} characters or holds NUL"
            )
    return conf


def _check_size(value: str) -> str:
    if not _SIZE.match(value.strip()):
        raise ValueError(f"'{value}' is not a memory size such as 512m or 2g")
    return value.strip()


def _stringify_scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]
MemorySize = Annotated[str, AfterValidator(_check_size)]
Argument = Annotated[
    str,
    BeforeValidator(_stringify_scalar),
    AfterValidator(_free_text),
    Field(max_length=MAX_VALUE_CHARS),
]
# A path or URI of a file the application needs (spark-submit's --jars, --files, …).
FileRef = Annotated[
    str, AfterValidator(_data_not_option), Field(min_length=1, max_length=MAX_VALUE_CHARS)
]
# A user, queue or kind: a short name that spark-submit takes as an option's value.
ShortName = Annotated[str, AfterValidator(_data_not_option), Field(max_length=MAX_NAME_CHARS)]
JavaClass = Annotated[str, AfterValidator(_java_class), Field(max_length=MAX_NAME_CHARS)]


class SubmitParams(BaseModel):
    """Parameters of a batch or a session, validated at the boundary."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )

    name: Annotated[str, AfterValidator(_free_text)] | None = Field(
        default=None, max_length=MAX_NAME_CHARS
    )
    file: FileRef | None = None
    class_name: JavaClass | None = Field(
        default=None, validation_alias=AliasChoices("className", "mainClass", "class_name")
    )
    args: list[Argument] = Field(default_factory=list, max_length=MAX_ARGS)
    jars: list[FileRef] = Field(default_factory=list, max_length=MAX_FILES)
    py_files: list[FileRef] = Field(default_factory=list, max_length=MAX_FILES)
    files: list[FileRef] = Field(default_factory=list, max_length=MAX_FILES)
    archives: list[FileRef] = Field(default_factory=list, max_length=MAX_FILES)
    driver_memory: MemorySize | None = None
    driver_cores: PositiveInt | None = None
    executor_memory: MemorySize | None = None
    executor_cores: PositiveInt | None = None
    num_executors: NonNegativeInt | None = None
    queue: ShortName | None = None
    proxy_user: ShortName | None = None
    conf: Annotated[dict[str, ConfValue], AfterValidator(_check_conf)] = Field(
        default_factory=dict, max_length=MAX_CONF_ENTRIES
    )
    # Sessions only.
    kind: ShortName | None = None
    heartbeat_timeout_in_second: NonNegativeInt | None = None
    ttl: Duration | None = None
    idle_timeout: Duration | None = None
    permanent: bool = False

    def spark_conf(self) -> dict[str, str]:
        """The conf as Spark takes it: every value a string (booleans lowercase)."""
        return {k: _conf_string(v) for k, v in self.conf.items() if v is not None}

    def redacted(self) -> "SubmitParams":
        """A copy whose conf values under secret-looking keys read [redacted]."""
        conf = {k: (REDACTED if is_secret_key(k) else v) for k, v in self.conf.items()}
        return self.model_copy(update={"conf": conf})


def _conf_string(value: ConfValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_secret_key(key: str) -> bool:
    """True for conf keys whose values must never be shown back."""
    return bool(_SECRET_KEY.search(key))


_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, bare_unit: str = "s") -> float:
    """Seconds in a duration such as '90m', '2h', '30s'; a bare number counts `bare_unit`."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a duration such as 30s, 10m or 2h")
    unit = (match.group(2) or bare_unit).lower()
    return float(match.group(1)) * _UNIT_SECONDS[unit]
