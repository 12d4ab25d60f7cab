"""How Lighter marks its driver pods, and how it reads a pod's identity back. Pure.

A driver pod carries `lighter-app-id=<label value of the id>` and
`lighter-generation=<generation>` (for selectors), Spark's own `spark-role=driver`, and the
exact id and generation as annotations (an id may be longer than a label value allows or end
in a character a label value may not).
"""

import hashlib
import re
from collections.abc import Mapping

from lighter_common.domain.driver import DriverKey

APP_ID_LABEL = "lighter-app-id"
GENERATION_LABEL = "lighter-generation"
SPARK_ROLE_LABEL = "spark-role"
SPARK_APP_ID_LABEL = "spark-app-selector"  # Spark labels its pods with the application id
APP_ID_ANNOTATION = "lighter/app-id"
GENERATION_ANNOTATION = "lighter/generation"
KILLED_ANNOTATION = "lighter/killed"  # set by Lighter just before it deletes a pod

DRIVER_SELECTOR = f"{SPARK_ROLE_LABEL}=driver,{APP_ID_LABEL}"

_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
_NOT_DNS = re.compile(r"[^a-z0-9-]+")
_POD_NAME_ID_CHARS = 40


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def label_value(app_id: str) -> str:
    """`app_id` as a label value: itself when valid, else a stable digest of it."""
    if _LABEL_VALUE.fullmatch(app_id):
        return app_id
    return f"h{_digest(app_id, 40)}"


def driver_labels(key: DriverKey) -> dict[str, str]:
    return {APP_ID_LABEL: label_value(key.app_id), GENERATION_LABEL: str(key.generation)}


def driver_annotations(key: DriverKey) -> dict[str, str]:
    return {APP_ID_ANNOTATION: key.app_id, GENERATION_ANNOTATION: str(key.generation)}


def driver_selector(key: DriverKey) -> str:
    labels = driver_labels(key)
    return f"{SPARK_ROLE_LABEL}=driver," + ",".join(f"{k}={v}" for k, v in labels.items())


def driver_pod_name(key: DriverKey) -> str:
    """A DNS-1123 name, the same for the same driver, distinct for distinct drivers."""
    readable = _NOT_DNS.sub("-", key.app_id.lower()).strip("-")[:_POD_NAME_ID_CHARS]
    unique = _digest(f"{key.app_id}\0{key.generation}", 8)
    return f"lighter-{readable}-{key.generation}-{unique}".replace("--", "-")


def driver_key(labels: Mapping[str, str], annotations: Mapping[str, str]) -> DriverKey | None:
    """Whose driver a pod is, or None for a pod Lighter did not launch."""
    app_id = annotations.get(APP_ID_ANNOTATION)
    if app_id is None or APP_ID_LABEL not in labels:
        return None
    try:
        generation = int(annotations.get(GENERATION_ANNOTATION, "0"))
    except ValueError:
        return None
    return DriverKey(app_id, generation)
