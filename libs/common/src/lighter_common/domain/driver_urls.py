"""URLs that drivers report (the Spark UI's address): untrusted, like all that drivers say.

A driver runs its user's code, which can post anything to the kernel endpoint and print
anything into the driver log. Lighter keeps, stores and links to only an absolute `http` or
`https` URL with a host: no `javascript:` or `data:` URL, nothing relative or scheme-relative,
no credentials before the host, no whitespace, control characters or backslashes (which
browsers drop or read as `/`, so that they would see another URL than this check did).
Every path that takes a URL from a driver or shows one calls `safe_url`.
"""

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
SCHEMES = ("http", "https")
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")


def safe_url(value: str | None) -> str | None:
    """`value` when it is an absolute http(s) URL safe to link to, else None."""
    if not value or len(value) > MAX_URL_LENGTH or _UNSAFE_CHARACTER.search(value):
        return None
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError when the port is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or "@" in parts.netloc:
        return None
    return value
