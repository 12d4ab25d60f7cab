"""The ResourceManager client against canned answers of a Hadoop 3.5 RM and NodeManager.

(tests/yarn/ runs the same client against a real MiniYARNCluster.)
"""

import json
from collections.abc import Callable

import httpx
import pytest
from lighter_common.backends.yarn.app_state import YarnApplication
from lighter_common.backends.yarn.resource_manager import (
    ResourceManager,
    ResourceManagerError,
    log_contents,
)

APP = {
    "id": "application_1796672196037_0001",
    "queue": "root.default",
    "state": "RUNNING",
    "finalStatus": "UNDEFINED",
    "applicationTags": "lighter,lighter-app-abc,lighter-gen-0",
    "amContainerLogs": "http://nm:8042/node/containerlogs/container_1796672196037_0001_01_000001/root",
    "amHostHttpAddress": "nm:8042",
}
FRAMED_STDOUT = (
    "Container: container_1796672196037_0001_01_000001 on nm:45454\n"
    "LogAggregationType: LOCAL\n"
    "====================================================================\n"
    "LogType:stdout\nLogLastModifiedTime:Mon Dec 07 19:38:47 +0000 2026\nLogLength:23\n"
    "LogContents:\nPi is roughly 3.142260\nEnd of LogType:stdout.\n"
    "***********************************************************************\n\n"
)

Handler = Callable[[httpx.Request], httpx.Response]


def client(
    handler: Handler, *, urls: tuple[str, ...] = ("http://rm:8088",), **kw: str
) -> ResourceManager:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ResourceManager(base_urls=urls, client=http, **kw)


async def test_all_of_lighter_s_applications_in_one_request() -> None:
    seen: list[httpx.Request] = []

    def rm(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"apps": {"app": [APP, {**APP, "id": "application_1_2"}]}})

    apps = await client(rm).applications(states=("RUNNING", "ACCEPTED"))

    assert [app.id for app in apps] == ["application_1796672196037_0001", "application_1_2"]
    assert len(seen) == 1
    assert seen[0].url.path == "/ws/v1/cluster/apps"
    assert dict(seen[0].url.params) == {"applicationTags": "lighter", "states": "RUNNING,ACCEPTED"}


@pytest.mark.parametrize("answer", [{"apps": None}, {"apps": {}}])
async def test_no_applications(answer: dict[str, object]) -> None:
    assert await client(lambda _: httpx.Response(200, json=answer)).applications() == []


async def test_one_application_or_none() -> None:
    def rm(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("_0001"):
            return httpx.Response(200, json={"app": APP})
        return httpx.Response(404, json={"RemoteException": {"exception": "NotFoundException"}})

    resource_manager = client(rm)

    found = await resource_manager.application("application_1796672196037_0001")
    assert found is not None and found.state == "RUNNING"
    assert await resource_manager.application("application_1796672196037_0002") is None


async def test_kill_puts_the_killed_state_as_the_user() -> None:
    seen: list[httpx.Request] = []

    def rm(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"state": "RUNNING"})

    state = await client(rm, user="lighter").kill("application_1796672196037_0001")

    assert state == "RUNNING"
    assert seen[0].method == "PUT"
    assert seen[0].url.path == "/ws/v1/cluster/apps/application_1796672196037_0001/state"
    assert seen[0].url.params["user.name"] == "lighter"
    assert json.loads(seen[0].content) == {"state": "KILLED"}


async def test_an_id_that_is_not_yarn_s_is_refused_before_any_request() -> None:
    with pytest.raises(ValueError):
        await client(lambda _: httpx.Response(500)).kill("../../ws/v1/cluster")


async def test_an_error_says_what_the_rm_said() -> None:
    def rm(_: httpx.Request) -> httpx.Response:
        body = {"RemoteException": {"exception": "ForbiddenException", "message": "no"}}
        return httpx.Response(403, json=body)

    with pytest.raises(ResourceManagerError, match="HTTP 403 ForbiddenException: no"):
        await client(rm).applications()


async def test_an_answer_of_another_shape_is_an_error() -> None:
    with pytest.raises(ResourceManagerError, match="cannot read"):
        await client(lambda _: httpx.Response(200, json={"apps": {"app": [{}]}})).applications()


async def test_the_standby_is_skipped_and_the_active_asked_first_next_time() -> None:
    asked: list[str] = []

    def rms(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        if request.url.host == "rm1":
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"apps": None})

    resource_manager = client(rms, urls=("http://rm1:8088", "http://rm2:8088"))
    await resource_manager.applications()
    await resource_manager.applications()

    assert asked == ["rm1", "rm2", "rm2"]


async def test_no_resource_manager_answers() -> None:
    def down(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(ResourceManagerError, match="no ResourceManager answered"):
        await client(down).applications()


async def test_the_driver_s_log_from_its_node_manager() -> None:
    seen: list[httpx.Request] = []

    def nm(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=FRAMED_STDOUT)

    log = await client(nm).container_log(YarnApplication.model_validate(APP), tail_bytes=4096)

    assert log == "Pi is roughly 3.142260\n"
    assert str(seen[0].url) == (
        "http://nm:8042/ws/v1/node/containers/container_1796672196037_0001_01_000001/logs/stdout"
        "?size=-4096"
    )


async def test_the_log_server_when_the_node_manager_has_no_log() -> None:
    def servers(request: httpx.Request) -> httpx.Response:
        if request.url.host == "nm":
            return httpx.Response(404)
        return httpx.Response(200, text=FRAMED_STDOUT.replace("LOCAL", "AGGREGATED"))

    resource_manager = client(servers, log_server_url="http://jhs:19888/ws/v1/history/")
    log = await resource_manager.container_log(YarnApplication.model_validate(APP))

    assert log == "Pi is roughly 3.142260\n"


async def test_no_log_anywhere() -> None:
    resource_manager = client(lambda _: httpx.Response(404))

    assert await resource_manager.container_log(YarnApplication.model_validate(APP)) is None
    no_container = YarnApplication.model_validate({**APP, "amContainerLogs": None})
    assert await resource_manager.container_log(no_container) is None


@pytest.mark.parametrize("name", ["../stdout", "std out", ""])
async def test_a_log_file_name_is_a_plain_name(name: str) -> None:
    with pytest.raises(ValueError):
        await client(lambda _: httpx.Response(500)).container_log(
            YarnApplication.model_validate(APP), name
        )


def test_log_contents_of_an_unframed_answer_is_the_answer() -> None:
    assert log_contents("plain\n") == "plain\n"
