"""How Lighter tags its YARN applications, and how it reads a driver's identity back. Pure.

Every application Lighter launches carries (through `spark.yarn.tags`):
- `lighter`: all of Lighter's applications, so that one ResourceManager request lists them all;
- `lighter-app-<id>`: which application (a digest for ids YARN cannot keep as they are);
- `lighter-gen-<n>`: which generation of its driver (a permanent session's restarts).

YARN lowercases tags when it stores them, and matches `applicationTags=` queries the same way;
a tag holds at most 100 characters and no comma (Spark splits `spark.yarn.tags` on commas).
"""

import hashlib
import re
from collections.abc import Iterable

from lighter_common.domain.driver import DriverKey

COMMON_TAG = "lighter"
APP_TAG_PREFIX = "lighter-app-"
GENERATION_TAG_PREFIX = "lighter-gen-"

_KEEPS_AS_IS = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")


def app_tag(app_id: str) -> str:
    """The application's tag: `lighter-app-<id>`, or a stable digest for another kind of id."""
    if _KEEPS_AS_IS.fullmatch(app_id):
        return f"{APP_TAG_PREFIX}{app_id}"
    return f"{APP_TAG_PREFIX}h{hashlib.sha256(app_id.encode()).hexdigest()[:40]}"


def driver_tags(key: DriverKey) -> tuple[str, ...]:
    """The tags of a driver's YARN application, in the order `spark.yarn.tags` lists them."""
    return (COMMON_TAG, app_tag(key.app_id), f"{GENERATION_TAG_PREFIX}{key.generation}")


def spark_yarn_tags(key: DriverKey) -> str:
    """The value of `spark.yarn.tags` for a driver."""
    return ",".join(driver_tags(key))


def tagged_driver(tags: Iterable[str]) -> tuple[str, int] | None:
    """(application tag, generation) of a tagged application; None if Lighter did not tag it.

    The tag, not the id: a digest cannot be turned back, so the caller matches
    `app_tag(id)` of the applications it knows.
    """
    found_app: str | None = None
    generation = 0
    for tag in (t.strip().lower() for t in tags):
        if tag.startswith(APP_TAG_PREFIX):
            found_app = tag
        elif tag.startswith(GENERATION_TAG_PREFIX):
            number = tag.removeprefix(GENERATION_TAG_PREFIX)
            if not number.isdigit():
                return None
            generation = int(number)
    return None if found_app is None else (found_app, generation)
