"""Backends run Spark applications; `open_backend` picks the one the settings name.

Adapters are imported on demand: the local backend's supervisor runs inside every driver
and must not pay for what it does not use.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lighter_common.backends.base import Backend
    from lighter_common.settings import Settings


def open_backend(settings: "Settings") -> "Backend":
    """The backend `settings.server.backend` names: "local", "kubernetes", "yarn" or
    "simulated"."""
    if settings.server.backend == "simulated":
        from lighter_common.backends.simulated import SimulatedBackend

        return SimulatedBackend(settings)
    if settings.server.backend == "local":
        from lighter_common.backends.local.backend import LocalBackend

        return LocalBackend(settings)
    if settings.server.backend == "kubernetes":
        from lighter_common.backends.kubernetes.backend import KubernetesBackend

        return KubernetesBackend(settings)
    if settings.server.backend == "yarn":
        from lighter_common.backends.yarn.backend import YarnBackend

        return YarnBackend(settings)
    raise ValueError(f"unknown backend {settings.server.backend!r}")
