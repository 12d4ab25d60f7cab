"""The ResourceManager's REST API (and the NodeManagers' log API), as the YARN backend uses it.

- `applications(tag)`: every application carrying a tag, in ONE request
  (`GET /ws/v1/cluster/apps?applicationTags=lighter`): a tracker pass costs one call however
  many drivers run. YARN matches tags case-insensitively (it lowercases them).
- `application(id)`: one application, None when the RM does not know it (an RM restarted
  without recovery, or an application past `yarn.resourcemanager.max-completed-applications`).
- `kill(id)`: `PUT /ws/v1/cluster/apps/{id}/state {"state": "KILLED"}`; the RM answers at once
  (202) and kills in the background: the application reports KILLED a moment later.
- `container_log(app, file)`: the driver's (ApplicationMaster's) `stdout`/`stderr` from its
  NodeManager (`/ws/v1/node/containers/{id}/logs/{file}`), which serves a running container's
  log and, without log aggregation, a finished one's. With aggregation the NodeManager hands a
  finished container's log over to the log server (`yarn.log.server.web-service.url`, the
  JobHistory or Timeline server), asked here in turn. Both answer with the same framing
  (`LogType:…`, `LogContents:`, the text, `End of LogType:…`), of which the text is returned.

Every answer goes through pydantic models; fields Lighter does not read are ignored. Several
ResourceManagers (HA) are tried in order, the last one that answered first. On an unsecured
cluster the RM takes the caller's name from `user.name` (pseudo authentication); a Kerberos
(SPNEGO) cluster needs an authenticating `httpx.Auth` on the client passed in (spnego.py). A
refusal (401, 403) or credentials that could not be had are a `ResourceManagerAuthError`.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from lighter_common.backends.yarn.app_state import YarnApplication
from lighter_common.backends.yarn.spnego import SpnegoError
from lighter_common.backends.yarn.tags import COMMON_TAG

_CONTAINER_ID = re.compile(r"container_(e\d+_)?\d+_\d+_\d+_\d+")
_APPLICATION_ID = re.compile(r"application_\d+_\d+")
_LOG_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_LOG_CONTENTS = "LogContents:\n"
_LOG_END = "End of LogType:"
_JSON = {"Accept": "application/json"}

_M = TypeVar("_M", bound=BaseModel)


class ResourceManagerError(Exception):
    """The ResourceManager could not be reached, or answered with an error."""


class ResourceManagerAuthError(ResourceManagerError):
    """The ResourceManager refused Lighter: no credentials, or ones it does not accept."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _AppList(_Model):
    app: list[YarnApplication] = []


class _AppsAnswer(_Model):
    apps: _AppList | None = None  # null (or {}) when nothing matches


class _AppAnswer(_Model):
    app: YarnApplication


class _StateAnswer(_Model):
    state: str


class _RemoteException(_Model):
    exception: str = ""
    message: str = ""


class _ErrorAnswer(_Model):
    RemoteException: _RemoteException


class ResourceManager:
    """A client of one YARN cluster's ResourceManager(s), over `client`."""

    def __init__(
        self,
        *,
        base_urls: Sequence[str],
        client: httpx.AsyncClient,
        user: str | None = None,
        log_server_url: str | None = None,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one ResourceManager URL is needed")
        self._urls = [url.rstrip("/") for url in base_urls]
        self._client = client
        self._user = user
        self._log_server_url = log_server_url.rstrip("/") if log_server_url else None

    @property
    def base_url(self) -> str:
        """The ResourceManager asked first (the one that answered last)."""
        return self._urls[0]

    async def applications(
        self, *, tag: str = COMMON_TAG, states: Iterable[str] = ()
    ) -> list[YarnApplication]:
        """Every application tagged `tag` (optionally only in `states`), in one request."""
        params = {"applicationTags": tag}
        if wanted := ",".join(states):
            params["states"] = wanted
        answer = await self._request("GET", "/ws/v1/cluster/apps", params=params)
        apps = _parse(_AppsAnswer, answer).apps
        return list(apps.app) if apps is not None else []

    async def application(self, app_id: str) -> YarnApplication | None:
        """One application by its YARN id; None if the RM does not know it."""
        answer = await self._request("GET", f"/ws/v1/cluster/apps/{_app_id(app_id)}")
        if answer.status_code == 404:
            return None
        return _parse(_AppAnswer, answer).app

    async def kill(self, app_id: str) -> str | None:
        """Asks the RM to kill an application; its state as the RM then says, None if unknown.

        An application that has ended already stays as it ended.
        """
        answer = await self._request(
            "PUT",
            f"/ws/v1/cluster/apps/{_app_id(app_id)}/state",
            json={"state": "KILLED"},
            params=self._user_param(),
        )
        if answer.status_code == 404:
            return None
        return _parse(_StateAnswer, answer).state

    async def container_log(
        self, app: YarnApplication, file: str = "stdout", *, tail_bytes: int | None = None
    ) -> str | None:
        """The driver container's log `file` (its last `tail_bytes`), None where none is found."""
        container = app.am_container_id
        if not _LOG_FILE.fullmatch(file):
            raise ValueError(f"not a container log file name: {file!r}")
        if container is None or not _CONTAINER_ID.fullmatch(container):
            return None
        path = f"/containers/{container}/logs/{quote(file)}"
        params = self._user_param()
        if tail_bytes is not None:
            params["size"] = str(-abs(tail_bytes))
        urls = []
        if app.am_host_http_address:
            scheme = urlsplit(self._urls[0]).scheme
            urls.append(f"{scheme}://{app.am_host_http_address}/ws/v1/node{path}")
        if self._log_server_url:
            urls.append(f"{self._log_server_url}{path}")
        for url in urls:
            try:
                answer = await self._client.get(url, params=params, follow_redirects=True)
            except httpx.HTTPError:
                continue  # the node is gone: the log server may have the log
            if answer.status_code == 200:
                return log_contents(answer.text)
        return None

    def _user_param(self) -> dict[str, str]:
        return {"user.name": self._user} if self._user else {}

    async def _request(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None
    ) -> httpx.Response:
        failures = []
        for url in list(self._urls):
            try:
                answer = await self._client.request(
                    method,
                    url + path,
                    params=params,
                    json=json,
                    headers=_JSON,
                    follow_redirects=True,
                )
            except SpnegoError as error:
                raise ResourceManagerAuthError(f"{method} {url}{path}: {error}") from None
            except httpx.HTTPError as error:
                failures.append(f"{url}: {error!r}")
                continue
            if answer.status_code in (401, 403):
                raise ResourceManagerAuthError(f"{method} {url}{path}: {_refusal(answer)}")
            if answer.status_code >= 400 and answer.status_code != 404:
                raise ResourceManagerError(f"{method} {url}{path}: {_error_message(answer)}")
            if url != self._urls[0]:
                self._urls.remove(url)
                self._urls.insert(0, url)  # the active RM of an HA pair: ask it first next time
            return answer
        raise ResourceManagerError(f"no ResourceManager answered: {'; '.join(failures)}")


def log_contents(framed: str) -> str:
    """The text of a NodeManager's or log server's framed container log."""
    start = framed.find(_LOG_CONTENTS)
    if start < 0:
        return framed
    text = framed[start + len(_LOG_CONTENTS) :]
    end = text.rfind(_LOG_END)
    if end >= 0:
        text = text[:end]
    return text


def _app_id(app_id: str) -> str:
    if not _APPLICATION_ID.fullmatch(app_id):
        raise ValueError(f"not a YARN application id: {app_id!r}")
    return app_id


def _parse(model: type[_M], answer: httpx.Response) -> _M:
    try:
        return model.model_validate_json(answer.content)
    except ValidationError as error:
        raise ResourceManagerError(
            f"{answer.request.method} {answer.request.url}: an answer Lighter cannot read "
            f"({error.error_count()} problems, first: {error.errors()[0]['msg']})"
        ) from None


def _refusal(answer: httpx.Response) -> str:
    offers = ", ".join(answer.headers.get_list("www-authenticate")) or "nothing"
    if answer.status_code == 401 and "negotiate" in offers.lower():
        what = "it asks for Kerberos (SPNEGO) authentication"
        if answer.request.headers.get("authorization", "").lower().startswith("negotiate"):
            what = "it did not accept Lighter's Kerberos (SPNEGO) token"
        return f"HTTP 401: {what} (WWW-Authenticate: {offers})"
    return _error_message(answer)


def _error_message(answer: httpx.Response) -> str:
    try:
        remote = _ErrorAnswer.model_validate_json(answer.content).RemoteException
        return f"HTTP {answer.status_code} {remote.exception}: {remote.message}"
    except ValidationError:
        return f"HTTP {answer.status_code}: {answer.text[:300]}"
