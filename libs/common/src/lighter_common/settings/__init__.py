"""Configuration from LIGHTER_* environment variables: the one place each default lives.

One group per concern (root.py lists them); `lighter settings` prints every setting with its
variable, default and description (table.py).
"""

from lighter_common.settings.backends import (
    KubernetesSettings,
    LocalSettings,
    SimulatedSettings,
    YarnSettings,
)
from lighter_common.settings.group import SettingsGroup
from lighter_common.settings.root import Settings
from lighter_common.settings.service import (
    BackendName,
    BusSettings,
    LimitsSettings,
    LoopSettings,
    ServerSettings,
    StoreSettings,
)
from lighter_common.settings.sessions import PermanentSessionSpec, SessionSettings
from lighter_common.settings.sharing import LinkSettings, SharingSettings

__all__ = [
    "BackendName",
    "BusSettings",
    "KubernetesSettings",
    "LimitsSettings",
    "LinkSettings",
    "LocalSettings",
    "LoopSettings",
    "PermanentSessionSpec",
    "ServerSettings",
    "SessionSettings",
    "Settings",
    "SettingsGroup",
    "SharingSettings",
    "SimulatedSettings",
    "StoreSettings",
    "YarnSettings",
]
