"""Lighter's own Kerberos identity on a YARN cluster, from its settings.

`LIGHTER_YARN_KERBEROS_PRINCIPAL` and `LIGHTER_YARN_KERBEROS_KEYTAB` go together: every
spark-submit gets `--principal P --keytab K` (Spark logs in from the keytab, ships it to the
ApplicationMaster through the application's staging directory and renews the delegation tokens
of a long-running application with it), and the ResourceManager's REST API is asked with SPNEGO
(spnego.py) as the same principal. `LIGHTER_YARN_SPNEGO=true` without them: SPNEGO from the
ticket cache that someone else keeps fresh (`kinit`, KRB5CCNAME).

Only the keytab's path is ever logged or shown, never what it holds.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from lighter_common.settings.backends import YarnSettings

PRINCIPAL_VARIABLE = "LIGHTER_YARN_KERBEROS_PRINCIPAL"
KEYTAB_VARIABLE = "LIGHTER_YARN_KERBEROS_KEYTAB"
INSTALL_HINT = (
    "Kerberos needs the python package `gssapi` in Lighter's environment (the extra "
    "lighter-common[kerberos]: uv pip install 'gssapi>=1.8', after apt-get install libkrb5-dev, "
    "whose headers it builds against)"
)


class KerberosConfError(Exception):
    """The Kerberos settings are incomplete, or name a keytab Lighter cannot read."""


@dataclass(frozen=True)
class KeytabLogin:
    """A principal and the keytab that logs it in."""

    principal: str
    keytab: Path

    def submit_options(self) -> list[tuple[str, str]]:
        """spark-submit's options for this login."""
        return [("--principal", self.principal), ("--keytab", str(self.keytab))]


def keytab_login(settings: YarnSettings) -> KeytabLogin | None:
    """Lighter's login from its settings; None without Kerberos. Raises KerberosConfError."""
    principal = (settings.kerberos_principal or "").strip() or None
    keytab = settings.kerberos_keytab
    if principal is None and keytab is None:
        return None
    if keytab is None:
        raise KerberosConfError(f"{PRINCIPAL_VARIABLE} is set, but not {KEYTAB_VARIABLE}")
    if principal is None:
        raise KerberosConfError(f"{KEYTAB_VARIABLE} is set, but not {PRINCIPAL_VARIABLE}")
    keytab = keytab.expanduser().absolute()
    if not keytab.is_file() or not os.access(keytab, os.R_OK):
        raise KerberosConfError(
            f"{KEYTAB_VARIABLE}={keytab} is not a file Lighter can read (the keytab of {principal})"
        )
    return KeytabLogin(principal=principal, keytab=keytab)


def uses_spnego(settings: YarnSettings) -> bool:
    """Whether the ResourceManager is asked with Kerberos (SPNEGO)."""
    return settings.spnego or bool(settings.kerberos_principal or settings.kerberos_keytab)


def gssapi_missing() -> str | None:
    """Why the GSSAPI bindings cannot be used, if they cannot."""
    try:
        import gssapi  # noqa: F401
    except ImportError as error:
        return f"{INSTALL_HINT}: {error}"
    return None


def kerberos_problem(settings: YarnSettings) -> str | None:
    """Why the yarn backend cannot use its Kerberos settings, if it cannot."""
    try:
        keytab_login(settings)
    except KerberosConfError as error:
        return str(error)
    return gssapi_missing() if uses_spnego(settings) else None
