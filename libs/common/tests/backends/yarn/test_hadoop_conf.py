"""The ResourceManager's address from HADOOP_CONF_DIR, and the XML refused on the way."""

from pathlib import Path

import pytest
from lighter_common.backends.yarn.hadoop_conf import (
    HadoopConfError,
    YarnAddresses,
    parse_configuration,
    read_yarn_addresses,
    yarn_addresses,
)


def site(**properties: str) -> str:
    body = "".join(
        f"<property><name>{name}</name><value>{value}</value></property>"
        for name, value in properties.items()
    )
    return f'<?xml version="1.0"?><configuration>{body}</configuration>'


def conf_dir(tmp_path: Path, yarn: str, core: str | None = None) -> Path:
    (tmp_path / "yarn-site.xml").write_text(yarn)
    if core is not None:
        (tmp_path / "core-site.xml").write_text(core)
    return tmp_path


def test_the_webapp_address(tmp_path: Path) -> None:
    directory = conf_dir(
        tmp_path, site(**{"yarn.resourcemanager.webapp.address": "rm.example:8088"})
    )

    assert read_yarn_addresses(directory) == YarnAddresses(("http://rm.example:8088",))


def test_hadoop_s_defaults_and_substitution(tmp_path: Path) -> None:
    directory = conf_dir(tmp_path, site(**{"yarn.resourcemanager.hostname": "rm.example"}))

    assert read_yarn_addresses(directory).resource_managers == ("http://rm.example:8088",)


def test_a_server_bound_to_every_interface_is_reached_on_loopback() -> None:
    addresses = yarn_addresses({})

    assert addresses.resource_managers == ("http://127.0.0.1:8088",)


def test_https_only() -> None:
    addresses = yarn_addresses(
        {"yarn.http.policy": "HTTPS_ONLY", "yarn.resourcemanager.hostname": "rm.example"}
    )

    assert addresses.resource_managers == ("https://rm.example:8090",)


def test_every_resource_manager_of_an_ha_pair_in_order() -> None:
    addresses = yarn_addresses(
        {
            "yarn.resourcemanager.ha.enabled": "true",
            "yarn.resourcemanager.ha.rm-ids": "rm1, rm2",
            "yarn.resourcemanager.webapp.address.rm1": "rm-a.example:8088",
            "yarn.resourcemanager.hostname.rm2": "rm-b.example",
        }
    )

    assert addresses.resource_managers == (
        "http://rm-a.example:8088",
        "http://rm-b.example:8088",
    )


def test_the_log_server_for_aggregated_logs() -> None:
    addresses = yarn_addresses(
        {"yarn.log.server.web-service.url": "http://jhs.example:19888/ws/v1/history"}
    )

    assert addresses.log_server == "http://jhs.example:19888/ws/v1/history"


def test_yarn_site_wins_over_core_site(tmp_path: Path) -> None:
    directory = conf_dir(
        tmp_path,
        site(**{"yarn.resourcemanager.hostname": "from-yarn-site"}),
        core=site(**{"yarn.resourcemanager.hostname": "from-core-site"}),
    )

    assert read_yarn_addresses(directory).resource_managers == ("http://from-yarn-site:8088",)


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<configuration><property><name>x</name><value>&b;</value></property></configuration>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<configuration><property><name>x</name><value>&secret;</value></property></configuration>"""


@pytest.mark.parametrize("text", [ENTITY_BOMB, EXTERNAL_ENTITY, b"<configuration>", b"not xml"])
def test_entities_and_broken_files_are_refused(text: bytes) -> None:
    with pytest.raises(HadoopConfError):
        parse_configuration(text)


def test_values_are_read_whole() -> None:
    text = site(**{"a.b": " spaced &amp; escaped ", "c": ""}).encode()

    assert parse_configuration(text) == {"a.b": "spaced & escaped", "c": ""}


def test_a_directory_without_the_files(tmp_path: Path) -> None:
    with pytest.raises(HadoopConfError, match=r"no yarn-site\.xml"):
        read_yarn_addresses(tmp_path)


def test_an_unusable_address() -> None:
    with pytest.raises(HadoopConfError, match="host:port"):
        yarn_addresses({"yarn.resourcemanager.webapp.address": "no-port"})
