"""deploy/Dockerfile, deploy/compose.yaml and the Kubernetes ConfigMap, checked by reading them
(Docker and its compose plugin do not run here; the Kubernetes manifests also get a server-side
dry run in tests/kubernetes/test_deploy.py): a non-root image with a JRE and pyspark, files that
exist, Lighter's own subcommands, and settings Lighter knows."""

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml
from lighter_common.backends.kubernetes.driver_conf import SPARK_VERSION
from lighter_standalone.cli import SERVICES
from lighter_standalone.settings_table import all_rows

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
LIGHTER_IMAGE = "lighter"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def known_variables() -> set[str]:
    """Every LIGHTER_* variable Lighter reads."""
    return {name for row in all_rows() for name in row.variables}


def lighter_deployments() -> list[dict[str, Any]]:
    found = []
    for path in sorted((DEPLOY / "k8s" / "base").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == "Deployment":
                found.append(document)
    return found


def test_the_image_runs_as_the_non_root_user_of_the_kubernetes_deployments() -> None:
    users = [rest for keyword, rest in instructions() if keyword == "USER"]
    runs = " ".join(rest for keyword, rest in instructions() if keyword == "RUN")
    data_dir = next(
        re.search(r"LIGHTER_DATA_DIR=(\S+)", rest).group(1)  # type: ignore[union-attr]
        for keyword, rest in instructions()
        if keyword == "ENV" and "LIGHTER_DATA_DIR=" in rest
    )
    uid = users[-1].split(":")[0] if users else "0"
    run_as = {
        deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
        for deployment in lighter_deployments()
    }

    assert uid.isdigit() and int(uid) != 0, f"the image's user is {uid!r}"
    assert run_as == {int(uid)}
    assert re.search(rf"chown {uid}(:\d+)? {re.escape(data_dir)}\b", runs), (
        f"{data_dir} is not given to {uid}"
    )


def test_the_image_has_a_jre_and_pyspark() -> None:
    runs = " ".join(rest for keyword, rest in instructions() if keyword == "RUN")
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())
    common = tomllib.loads((ROOT / "libs" / "common" / "pyproject.toml").read_text())

    assert re.search(r"openjdk-(\d+)-jre-headless", runs)
    assert int(re.search(r"openjdk-(\d+)", runs).group(1)) >= 17  # type: ignore[union-attr]
    assert re.search(r"uv sync --frozen", runs)
    assert "lighter-common[spark]" in workspace["project"]["dependencies"]
    assert any(d.startswith("pyspark") for d in common["project"]["optional-dependencies"]["spark"])


def test_every_file_the_image_copies_exists() -> None:
    copied = [
        source
        for keyword, rest in instructions()
        if keyword == "COPY"
        for source in shlex.split(rest)[:-1]
        if not source.startswith("--")
    ]

    assert copied
    assert [source for source in copied if not (ROOT / source).exists()] == []


def test_the_image_runs_lighter_with_a_service_it_knows() -> None:
    entrypoint = [rest for keyword, rest in instructions() if keyword == "ENTRYPOINT"]
    command = [rest for keyword, rest in instructions() if keyword == "CMD"]

    assert yaml.safe_load(entrypoint[-1]) == ["lighter"]
    assert yaml.safe_load(command[-1])[0] in SERVICES


def test_compose_runs_lighters_services_with_settings_lighter_knows() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services: dict[str, Any] = compose["services"]
    volumes = set(compose.get("volumes") or {})
    known = known_variables()

    built = {name: s for name, s in services.items() if "build" in s}
    assert set(built) == {"api", "submitter", "tracker", "session-manager"}
    for name, service in built.items():
        build = service["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == ROOT and (context / build["dockerfile"]).is_file(), name
        assert service["command"][0] in SERVICES and service["command"][0] == name
        unknown = {v for v in service["environment"] if v.startswith("LIGHTER_")} - known
        assert not unknown, f"{name} sets settings Lighter does not read: {unknown}"
    for name, service in services.items():
        for other in service.get("depends_on") or {}:
            assert other in services, f"{name} depends on an undefined {other}"
        for key in ("network_mode", "pid"):
            mode = service.get(key, "")
            if mode.startswith("service:"):
                assert mode.removeprefix("service:") in services, f"{name}: {key} {mode}"
        for mount in service.get("volumes") or []:
            source = mount.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in volumes, f"{name} mounts an undeclared volume {source}"


def test_the_kubernetes_deployments_run_lighters_services_with_settings_lighter_knows() -> None:
    config = next(
        document
        for document in yaml.safe_load_all((DEPLOY / "k8s" / "base" / "config.yaml").read_text())
        if document["metadata"]["name"] == "lighter-config"
    )
    deployments = lighter_deployments()

    assert set(config["data"]) - known_variables() == set()
    # Drivers run the Spark whose spark-submit the native path mirrors (pyspark's).
    assert f"spark:{SPARK_VERSION}-" in config["data"]["LIGHTER_KUBERNETES_IMAGE"]
    commands = {
        container["args"][0]
        for deployment in deployments
        for container in deployment["spec"]["template"]["spec"]["containers"]
        if container["image"] == LIGHTER_IMAGE
    }
    assert commands == {"api", "submitter", "tracker", "session-manager"}
    assert commands <= set(SERVICES)
