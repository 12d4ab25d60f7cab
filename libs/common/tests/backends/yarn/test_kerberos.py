"""Lighter's Kerberos settings for YARN (kerberos.py): both or neither, and a keytab it reads."""

import sys
from pathlib import Path

import pytest
from lighter_common.backends.yarn.kerberos import (
    KerberosConfError,
    KeytabLogin,
    kerberos_problem,
    keytab_login,
    uses_spnego,
)
from lighter_common.settings import YarnSettings


def keytab(tmp_path: Path) -> Path:
    path = tmp_path / "lighter.keytab"
    path.write_bytes(b"\x05\x02not-a-real-key")
    path.chmod(0o600)
    return path


def test_without_settings_there_is_no_kerberos() -> None:
    settings = YarnSettings()
    assert keytab_login(settings) is None
    assert not uses_spnego(settings)
    assert kerberos_problem(settings) is None


def test_a_principal_and_a_readable_keytab_log_in(tmp_path: Path) -> None:
    settings = YarnSettings(
        kerberos_principal="lighter@EXAMPLE.COM", kerberos_keytab=keytab(tmp_path)
    )

    assert keytab_login(settings) == KeytabLogin("lighter@EXAMPLE.COM", tmp_path / "lighter.keytab")
    assert uses_spnego(settings)


@pytest.mark.parametrize(
    ("principal", "with_keytab", "missing"),
    [
        ("lighter@EXAMPLE.COM", False, "LIGHTER_YARN_KERBEROS_KEYTAB"),
        (None, True, "LIGHTER_YARN_KERBEROS_PRINCIPAL"),
        ("  ", True, "LIGHTER_YARN_KERBEROS_PRINCIPAL"),
    ],
)
def test_one_without_the_other_is_refused_naming_the_missing_one(
    tmp_path: Path, principal: str | None, with_keytab: bool, missing: str
) -> None:
    settings = YarnSettings(
        kerberos_principal=principal, kerberos_keytab=keytab(tmp_path) if with_keytab else None
    )

    with pytest.raises(KerberosConfError, match=f"but not {missing}"):
        keytab_login(settings)
    problem = kerberos_problem(settings)
    assert problem is not None and f"but not {missing}" in problem


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_keytab_that_is_not_a_readable_file_is_refused_by_its_path_only(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "lighter.keytab"
    if kind == "directory":
        path.mkdir()
    settings = YarnSettings(kerberos_principal="lighter@EXAMPLE.COM", kerberos_keytab=path)

    problem = kerberos_problem(settings)

    assert problem is not None
    assert f"LIGHTER_YARN_KERBEROS_KEYTAB={path} is not a file Lighter can read" in problem
    assert "not-a-real-key" not in problem


def test_spnego_from_the_ticket_cache_needs_no_keytab() -> None:
    settings = YarnSettings(spnego=True)
    assert keytab_login(settings) is None
    assert uses_spnego(settings)


def test_without_the_gssapi_package_the_problem_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gssapi", None)  # as if not installed

    problem = kerberos_problem(YarnSettings(spnego=True))

    assert problem is not None and "gssapi" in problem and "libkrb5-dev" in problem
    assert kerberos_problem(YarnSettings()) is None  # without Kerberos it is not needed
