"""Which files of the submitting machine a submission may name. Pure but for path resolution.

spark-submit reads a local path it is given (`file`, `pyFiles`, `files`, `jars`, `archives`,
and the conf keys that list files) and ships it to the driver: on a shared server, a path is a
way to read the server's own files (`/etc/shadow` as a `pyFiles` entry). So a submission may
name:

- a remote URI (`s3a://`, `hdfs://`, `https://`, … — any scheme but `file:` and `local:`);
- `local:` paths, which name a file inside the driver's image, on cluster backends (on the
  local backend the "image" is the server itself, so they count as local paths);
- local paths (no scheme, or `file:`) only under the directories the operator allows
  (`LIGHTER_ALLOWED_LOCAL_DIRS`), resolved through symlinks and `..` before the check — or
  any, where the operator leaves local paths open (by default: while authentication is off,
  when the one trusted user's code runs as the server's own account anyway).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


@dataclass(frozen=True)
class LocalFileRule:
    allowed_dirs: tuple[Path, ...] | None  # None: every local path is allowed
    local_scheme_is_server: bool = False  # `local:` names the server's files (local backend)

    @classmethod
    def of(
        cls, dirs: Iterable[str | Path] | None, *, local_scheme_is_server: bool = False
    ) -> "LocalFileRule":
        resolved = None if dirs is None else tuple(Path(d).resolve() for d in dirs)
        return cls(resolved, local_scheme_is_server)

    def problem(self, field: str, entry: str) -> str | None:
        """Why `entry`, named in `field`, may not be read from this machine, or None."""
        path = self._local_path(entry)
        if path is None or self.allowed_dirs is None:
            return None
        resolved = Path(path).resolve()
        if any(resolved.is_relative_to(allowed) for allowed in self.allowed_dirs):
            return None
        return (
            f"{field}: '{entry}' is a path on the server, outside the directories it may read "
            "from (LIGHTER_ALLOWED_LOCAL_DIRS); name a remote URI (s3a://, hdfs://, https://) "
            "or a local:// path inside the image"
        )

    def _local_path(self, entry: str) -> str | None:
        match = _SCHEME.match(entry)
        if match is None:
            return entry
        scheme = match.group(1).lower()
        if scheme == "file" or (scheme == "local" and self.local_scheme_is_server):
            return unquote(urlsplit(entry).path) or "/"
        return None
