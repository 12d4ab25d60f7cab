"""What a driver learns of its session: the environment spark-submit starts it with.

  LIGHTER_KERNEL_URL          base URL of the service serving /kernel/sessions/...
  LIGHTER_SESSION_ID          the session's id
  LIGHTER_KERNEL_SECRET_FILE  a file holding the secret sent as `Authorization: Bearer <secret>`
                              (Kubernetes: a Secret mounted into this pod only), or else
  LIGHTER_KERNEL_SECRET       the secret itself (the local backend)
  LIGHTER_SESSION_GENERATION  which driver of the session this is (an integer)
  LIGHTER_SESSION_KIND        pyspark | python | spark | sql | shared: the session's kind
and optionally LIGHTER_KERNEL_UNREACHABLE_TIMEOUT (seconds, default 600),
LIGHTER_SQL_MAX_ROWS (default 1000) and LIGHTER_KERNEL_MAX_OUTPUT_BYTES (default 1000000).

`Config` is the one place a driver learns which session it serves. A driver adopted from a
warm pool would start without a session and build its `Config` from what it is handed later
(the session's id, secret, generation, kind and conf), not from its environment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    url: str
    session_id: str
    secret: str
    generation: int
    session_kind: str
    unreachable_timeout: float
    sql_max_rows: int
    max_output_bytes: int

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Config:
        return cls(
            url=env["LIGHTER_KERNEL_URL"].rstrip("/"),
            session_id=env["LIGHTER_SESSION_ID"],
            secret=kernel_secret(env),
            generation=int(env.get("LIGHTER_SESSION_GENERATION", "0")),
            session_kind=env.get("LIGHTER_SESSION_KIND", "pyspark") or "pyspark",
            unreachable_timeout=float(env.get("LIGHTER_KERNEL_UNREACHABLE_TIMEOUT", "600")),
            sql_max_rows=int(env.get("LIGHTER_SQL_MAX_ROWS", "1000")),
            max_output_bytes=int(env.get("LIGHTER_KERNEL_MAX_OUTPUT_BYTES", "1000000")),
        )


def kernel_secret(env: dict[str, str]) -> str:
    """The secret from the file LIGHTER_KERNEL_SECRET_FILE names, else LIGHTER_KERNEL_SECRET.

    A file, because a pod's environment is part of its spec, which other drivers may read.
    """
    path = env.get("LIGHTER_KERNEL_SECRET_FILE")
    if path:
        with open(path, encoding="utf-8") as file:
            return file.read().strip()
    return env["LIGHTER_KERNEL_SECRET"]
