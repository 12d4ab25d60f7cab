"""What a client asks to run: the union of Lighter's and Livy's request fields."""

import re
from typing import Annotated, Any

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
_SECRET_KEY = re.compile(r"secret|password|token|access.?key", re.IGNORECASE)
REDACTED = "[redacted]"

ConfValue = str | bool | int | float | None


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
Argument = Annotated[str, BeforeValidator(_stringify_scalar)]


class SubmitParams(BaseModel):
    """Parameters of a batch or a session, validated at the boundary."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )

    name: str | None = Field(default=None, max_length=256)
    file: str | None = Field(default=None, min_length=1)
    class_name: str | None = Field(
        default=None, validation_alias=AliasChoices("className", "mainClass", "class_name")
    )
    args: list[Argument] = Field(default_factory=list)
    jars: list[str] = Field(default_factory=list)
    py_files: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    archives: list[str] = Field(default_factory=list)
    driver_memory: MemorySize | None = None
    driver_cores: PositiveInt | None = None
    executor_memory: MemorySize | None = None
    executor_cores: PositiveInt | None = None
    num_executors: NonNegativeInt | None = None
    queue: str | None = None
    proxy_user: str | None = None
    conf: dict[str, ConfValue] = Field(default_factory=dict)
    # Sessions only.
    kind: str | None = None
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
