"""Where the ResourceManager's REST API is, from the operator's Hadoop configuration.

`HADOOP_CONF_DIR` holds Hadoop's `*-site.xml` files: `<configuration><property><name>…</name>
<value>…</value></property>…</configuration>`. Only `yarn-site.xml` and `core-site.xml` are
read, as data: no DTD entities (declaring one is refused, as defusedxml would), no XInclude,
no `${var}` beyond the substitutions Hadoop itself makes between properties.

With ResourceManager HA (`yarn.resourcemanager.ha.enabled`), every RM's web address is
returned, in the order of `yarn.resourcemanager.ha.rm-ids`; the client tries them in turn.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

_FILES = ("core-site.xml", "yarn-site.xml")  # later files win, as in Hadoop
_VARIABLE = re.compile(r"\$\{([^}$\s]+)\}")
_MAX_SUBSTITUTIONS = 20  # Hadoop's own limit on nested ${…}

# Hadoop's defaults (yarn-default.xml) for the keys read here.
_DEFAULTS = {
    "yarn.resourcemanager.hostname": "0.0.0.0",
    "yarn.resourcemanager.webapp.address": "${yarn.resourcemanager.hostname}:8088",
    "yarn.resourcemanager.webapp.https.address": "${yarn.resourcemanager.hostname}:8090",
    "yarn.http.policy": "HTTP_ONLY",
}


class HadoopConfError(Exception):
    """The Hadoop configuration is missing, unreadable, or names no ResourceManager."""


@dataclass(frozen=True)
class YarnAddresses:
    """The ResourceManagers' web base URLs, the first one to try first."""

    resource_managers: tuple[str, ...]
    log_server: str | None = None  # yarn.log.server.web-service.url: aggregated logs


def read_properties(conf_dir: Path) -> dict[str, str]:
    """Every property of the directory's core-site.xml and yarn-site.xml (files that exist)."""
    properties: dict[str, str] = {}
    found = False
    for name in _FILES:
        path = conf_dir / name
        if path.is_file():
            found = True
            properties.update(parse_configuration(path.read_bytes(), source=str(path)))
    if not found:
        raise HadoopConfError(f"no yarn-site.xml or core-site.xml in {conf_dir}")
    return properties


def parse_configuration(text: bytes, *, source: str = "the configuration") -> dict[str, str]:
    """The name -> value pairs of one Hadoop configuration file."""
    reader = _PropertyReader()
    parser = expat.ParserCreate()
    # Entity declarations are refused (billion laughs, external entities); nothing else of a
    # DTD matters to a configuration.
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(text, True)
    except (expat.ExpatError, HadoopConfError) as error:
        raise HadoopConfError(f"{source} is not a Hadoop configuration file: {error}") from None
    return reader.properties


class _PropertyReader:
    """Collects `<property><name>…</name><value>…</value></property>` as expat reads them."""

    def __init__(self) -> None:
        self.properties: dict[str, str] = {}
        self._path: list[str] = []
        self._fields: dict[str, list[str]] = {}

    def start(self, tag: str, _attributes: dict[str, str]) -> None:
        self._path.append(tag)
        if tag == "property":
            self._fields = {}

    def end(self, tag: str) -> None:
        self._path.pop()
        if tag == "property":
            name = "".join(self._fields.get("name", [])).strip()
            if name:
                self.properties[name] = "".join(self._fields.get("value", [])).strip()

    def text(self, data: str) -> None:
        if len(self._path) >= 2 and self._path[-2] == "property":
            self._fields.setdefault(self._path[-1], []).append(data)


def _refuse_entities(*_: object) -> int:
    raise HadoopConfError("entity declarations are not allowed")


def resolve(properties: Mapping[str, str], key: str) -> str | None:
    """A property's value with Hadoop's `${other.property}` substitution; None if unset."""
    value = properties.get(key, _DEFAULTS.get(key))
    if value is None:
        return None
    for _ in range(_MAX_SUBSTITUTIONS):
        match = _VARIABLE.search(value)
        if match is None:
            return value
        name = match.group(1)
        replacement = properties.get(name, _DEFAULTS.get(name))
        if replacement is None:
            return value  # Hadoop leaves an unknown ${…} as it is
        value = value[: match.start()] + replacement + value[match.end() :]
    raise HadoopConfError(f"{key}: more than {_MAX_SUBSTITUTIONS} nested ${{…}} substitutions")


def yarn_addresses(properties: Mapping[str, str]) -> YarnAddresses:
    """The ResourceManagers' web base URLs (`http(s)://host:port`) from the properties."""
    https = resolve(properties, "yarn.http.policy") == "HTTPS_ONLY"
    key = (
        "yarn.resourcemanager.webapp.https.address"
        if https
        else "yarn.resourcemanager.webapp.address"
    )
    scheme = "https" if https else "http"
    if (resolve(properties, "yarn.resourcemanager.ha.enabled") or "").lower() == "true":
        ids = [
            i.strip()
            for i in (resolve(properties, "yarn.resourcemanager.ha.rm-ids") or "").split(",")
        ]
        addresses = [_ha_address(properties, key, rm_id) for rm_id in ids if rm_id]
        if not addresses:
            raise HadoopConfError(
                "ResourceManager HA is enabled but yarn.resourcemanager.ha.rm-ids is empty"
            )
    else:
        addresses = [resolve(properties, key) or ""]
    return YarnAddresses(
        tuple(f"{scheme}://{_reachable(address)}" for address in addresses),
        log_server=resolve(properties, "yarn.log.server.web-service.url") or None,
    )


def _ha_address(properties: Mapping[str, str], key: str, rm_id: str) -> str:
    address = resolve(properties, f"{key}.{rm_id}")
    if address:
        return address
    hostname = resolve(properties, f"yarn.resourcemanager.hostname.{rm_id}")
    if not hostname:
        raise HadoopConfError(f"no {key}.{rm_id} nor yarn.resourcemanager.hostname.{rm_id}")
    port = (resolve(properties, key) or "").rpartition(":")[2] or "8088"
    return f"{hostname}:{port}"


def _reachable(address: str) -> str:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise HadoopConfError(f"not a host:port address: {address!r}")
    # A server bound to every interface is reached through this host's loopback.
    return f"127.0.0.1:{port}" if host == "0.0.0.0" else address


def read_yarn_addresses(conf_dir: Path) -> YarnAddresses:
    """The ResourceManagers' web base URLs from `HADOOP_CONF_DIR`."""
    return yarn_addresses(read_properties(conf_dir))
