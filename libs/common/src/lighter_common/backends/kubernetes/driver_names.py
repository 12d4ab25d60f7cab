"""The names and ids Spark generates for a driver's objects, and how it makes them valid. Pure
but for `DriverIdentity.new`, which draws them."""

import re
import secrets
import time
import uuid
from dataclasses import dataclass

MAX_NAME = 63  # a DNS label: a Service's name, a label's value


def unique_id(now_ms: int) -> str:
    """Spark's resource id: three random bytes, then the clock's low 40 bits, in hex."""
    return secrets.token_hex(3) + format(now_ms & 0xFFFFFFFFFF, "x")


@dataclass(frozen=True)
class DriverIdentity:
    """The names and ids Spark generates for one submission."""

    spark_app_id: str
    resource_id: str  # in the NetworkPolicy's (and a default pod's and Service's) name
    config_map_id: str
    service_id: str  # the Service's name when the preferred one is too long
    local_dir_id: str
    submit_time_ms: int

    @classmethod
    def new(cls, now_ms: int | None = None) -> "DriverIdentity":
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return cls(
            spark_app_id=f"spark-{uuid.uuid4().hex}",
            resource_id=unique_id(now),
            config_map_id=unique_id(now),
            service_id=unique_id(now),
            local_dir_id=str(uuid.uuid4()),
            submit_time_ms=now,
        )


def resource_name_prefix(app_name: str, resource_id: str) -> str:
    """The start of the names of a submission's objects, as Spark makes it from the app name."""
    prefix = f"{app_name}-{resource_id}".strip().lower()
    prefix = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", prefix))
    return re.sub(r"^[0-9]", "x", re.sub(r"^-", "", prefix))


def app_name_label(app_name: str) -> str:
    """The app name as the value of the spark-app-name label."""
    label = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", app_name.strip().lower()))
    return label.strip("-")[:MAX_NAME].strip("-")
