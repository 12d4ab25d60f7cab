"""Spark application ids that drivers report: untrusted, like all that drivers say.

A session's code can post any `appId` to the kernel endpoint, and a backend may read the id
from the driver's log, which the user's code writes. Lighter keeps only what has the shape of
an id Spark gives (`local-1700000000000`, `spark-8f1c…`, `application_1700000000000_0001`,
`app-20240101000000-0000`): letters, digits, `.`, `_` and `-`, at most 128 of them. Anything
else (markup, whitespace, control characters, a megabyte of text) is not stored or shown.
"""

import re

_SPARK_APP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def safe_app_id(value: str | None) -> str | None:
    """`value` when it has the shape of a Spark application id, else None."""
    if value is None or not _SPARK_APP_ID.fullmatch(value):
        return None
    return value
