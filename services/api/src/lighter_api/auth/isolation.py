"""What authentication cannot give on a backend: a warning for the operator at start-up."""

LOCAL_BACKEND_WARNING = (
    "LIGHTER_AUTH_MODE={mode} with LIGHTER_BACKEND=local: every user's driver runs as this "
    "server's own OS account, so users' code can read each other's sessions' secrets, the "
    "server's files and its settings. Authentication decides who may submit, not what their "
    "code can reach; for users who must not trust each other, use the kubernetes backend "
    "(see the README's Security model)"
)


def isolation_warning(*, auth_mode: str, backend: str) -> str | None:
    """Why users are not kept apart with this authentication on this backend, or None."""
    if auth_mode != "none" and backend == "local":
        return LOCAL_BACKEND_WARNING.format(mode=auth_mode)
    return None
