"""The HTTP endpoint session drivers (the kernel) call home to.

Every request carries `Authorization: Bearer <the session's kernel secret>` and the driver's
`generation`. 401: a wrong secret, or no such session (the same answer: only a caller holding
the session's secret learns whether it exists); then 410: the session is finished or deleted,
or the caller is an older driver of it; 404: no such statement. The kernel exits when it sees
404 or 410.

- `POST /kernel/sessions/{id}/poll` `{"generation", "busy", "appId", "sparkUiUrl"}`: the
  heartbeat and the long-poll. Answers as soon as there is work, else after
  `kernel_poll_timeout`: `{"statements": [{"id", "code", "kind"}], "cancel": [ids],
  "completions": [{"id", "code", "kind", "cursor"}]}`. A statement's kind is the language it
  runs in (its own kind, else its session's; `domain/statement.py`). A `sparkUiUrl` that is
  not a safe http(s) URL (`domain/driver_urls.py`) is dropped: the session's own code, which
  can read the secret, may post anything here.
- `POST /kernel/sessions/{id}/statements/{sid}/progress` `{"generation", "progress"}`.
- `POST /kernel/sessions/{id}/statements/{sid}/result` `{"generation", "state", "output"}`:
  idempotent, so the kernel can repeat it until it gets an answer.
- `POST /kernel/sessions/{id}/completions/{cid}` `{"generation", "candidates"}`: the answer to
  a completion request (`domain/completion.py`); one that is no longer waited for is ignored.
- `GET /kernel/kernel.py` and `GET /kernel/lighter-kernel.zip`: the kernel itself (its main
  file and the zip of its package), open to all, for drivers that fetch them from the
  address they call home to (Kubernetes pods).

The handlers are module-level routes; `kernel_router` includes them with their services
(`KernelServices`), which they get through the `ServicesDep` dependency.
"""

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.responses import FileResponse
from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.completion import MAX_CANDIDATES
from lighter_common.domain.driver_urls import safe_url
from lighter_common.domain.spark_app_ids import safe_app_id
from lighter_common.domain.statement import StatementOutput, statement_kind
from lighter_common.domain.states import StatementState
from lighter_common.domain.transitions import CONTACT_RECORDABLE, previous_statement_states
from lighter_common.kernel import (
    KERNEL_ARCHIVE_MEDIA_TYPE,
    KERNEL_ARCHIVE_ROUTE,
    KERNEL_FILE_ROUTE,
    KERNEL_PATH,
    kernel_archive,
)
from lighter_common.settings import Settings
from lighter_common.store.base import Store
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from lighter_session_manager.dispatch import Dispatcher

logger = logging.getLogger(__name__)

POLLS = Counter("lighter_kernel_polls_total", "Long-polls answered to kernels")
RESULTS = Counter("lighter_statement_results_total", "Statement results recorded", ["state"])
_S = StatementState
_SECRET_NOBODY_HOLDS = secrets.token_urlsafe(32)


class _KernelRequest(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    generation: int


class PollRequest(_KernelRequest):
    busy: bool = False
    app_id: str | None = None
    spark_ui_url: str | None = None


class StatementOrder(BaseModel):
    id: int
    code: str
    kind: str | None


class CompletionOrder(BaseModel):
    id: str
    code: str
    kind: str
    cursor: int


class PollReply(BaseModel):
    statements: list[StatementOrder]
    cancel: list[int]
    completions: list[CompletionOrder] = []


class CompletionAnswer(_KernelRequest):
    candidates: list[str] = Field(max_length=MAX_CANDIDATES)


class ProgressReport(_KernelRequest):
    progress: float = Field(ge=0.0, le=1.0)


class ResultReport(_KernelRequest):
    state: Literal["available", "error", "cancelled"]
    output: StatementOutput | None = None


class Acknowledged(BaseModel):
    state: str


Authorization = Annotated[str | None, Header()]


@dataclass(frozen=True, eq=False)  # FastAPI keys dependencies by them: hashed by identity
class KernelServices:
    """What the endpoint's handlers work with. As the router's one dependency, it puts itself
    on each request (FastAPI solves a router's dependencies before the handler's)."""

    store: Store
    dispatcher: Dispatcher
    settings: Settings

    async def __call__(self, request: Request) -> None:
        request.state.kernel_services = self


async def _services(request: Request) -> KernelServices:
    services: KernelServices = request.state.kernel_services
    return services


ServicesDep = Annotated[KernelServices, Depends(_services)]


# The handlers, as module-level routes; kernel_router gives them their services.
router = APIRouter(prefix="/kernel/sessions/{session_id}", tags=["kernel"])
files = APIRouter(tags=["kernel"])


def kernel_router(*, store: Store, dispatcher: Dispatcher, settings: Settings) -> APIRouter:
    """The endpoint's routes, served by `store`, `dispatcher` and `settings`."""
    services = KernelServices(store=store, dispatcher=dispatcher, settings=settings)
    endpoint = APIRouter()
    endpoint.include_router(router, dependencies=[Depends(services)])
    endpoint.include_router(files)
    return endpoint


async def authenticate(
    services: KernelServices, session_id: str, authorization: str | None, generation: int
) -> Application:
    """The session whose secret the caller holds, for this driver generation, or 401/410."""
    session = await services.store.get_application(session_id)
    if session is not None and not session.type.is_session:
        session = None
    expected = session.kernel_secret if session is not None else None
    # Without a session, compare with a secret nobody holds, in the same constant time.
    matches = _secret_matches(authorization, expected or _SECRET_NOBODY_HOLDS)
    if session is None or not expected or not matches:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong kernel secret")
    if session.deleted or session.state.is_finished or generation != session.generation:
        raise HTTPException(status.HTTP_410_GONE, f"session {session_id} is over for this driver")
    return session


@router.post("/poll")
async def poll(
    services: ServicesDep,
    session_id: str,
    request: PollRequest,
    authorization: Authorization = None,
) -> PollReply:
    session = await authenticate(services, session_id, authorization, request.generation)
    session = await _heartbeat(services.store, session, request)
    work = await services.dispatcher.wait_for_work(
        session,
        generation=request.generation,
        kernel_busy=request.busy,
        max_wait=services.settings.sessions.kernel_poll_timeout,
    )
    POLLS.inc()
    return PollReply(
        statements=[
            StatementOrder(
                id=s.id, code=s.code, kind=statement_kind(s.kind, session_kind=session.kind)
            )
            for s in work.statements
        ],
        cancel=work.cancel,
        completions=[
            CompletionOrder(id=c.id, code=c.code, kind=c.kind, cursor=c.cursor)
            for c in work.completions
        ],
    )


@router.post("/completions/{completion_id}")
async def completion(
    services: ServicesDep,
    session_id: str,
    completion_id: str,
    answer: CompletionAnswer,
    authorization: Authorization = None,
) -> Acknowledged:
    session = await authenticate(services, session_id, authorization, answer.generation)
    asked = session.completion
    if asked is None or asked.id != completion_id or asked.candidates is not None:
        return Acknowledged(state="ignored")  # replaced by a newer request, or repeated
    answered = await services.store.update_application(
        session_id,
        {"completion": asked.model_copy(update={"candidates": answer.candidates})},
        expected=CONTACT_RECORDABLE,
        only_if={"completion": asked},
    )
    return Acknowledged(state="answered" if answered else "ignored")


@router.post("/statements/{statement_id}/progress")
async def progress(
    services: ServicesDep,
    session_id: str,
    statement_id: int,
    report: ProgressReport,
    authorization: Authorization = None,
) -> Acknowledged:
    await authenticate(services, session_id, authorization, report.generation)
    updated = await services.store.update_statement(
        session_id, statement_id, {"progress": report.progress}, expected=(_S.RUNNING,)
    )
    return Acknowledged(state=updated.state if updated else "ignored")


@router.post("/statements/{statement_id}/result")
async def result(
    services: ServicesDep,
    session_id: str,
    statement_id: int,
    report: ResultReport,
    authorization: Authorization = None,
) -> Acknowledged:
    store, dispatcher = services.store, services.dispatcher
    session = await authenticate(services, session_id, authorization, report.generation)
    statement = await store.get_statement(session_id, statement_id)
    if statement is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no statement {statement_id}")
    if statement.state.is_finished:
        return Acknowledged(state=statement.state)  # a repeated post
    if statement.dispatched_to != report.generation:
        raise HTTPException(status.HTTP_409_CONFLICT, "the statement was not handed to this driver")
    target = _result_state(statement.state, _S(report.state))
    changes: dict[str, object] = {
        "state": target,
        "output": report.output,
        "completed_at": utcnow(),
    }
    if target is _S.AVAILABLE:
        changes["progress"] = 1.0
    await dispatcher.statement_ending(session, statement_id)
    recorded = await store.update_statement(
        session_id, statement_id, changes, expected=previous_statement_states(target)
    )
    if recorded is None:
        current = await store.get_statement(session_id, statement_id)
        if current is None or not current.state.is_finished:
            raise HTTPException(status.HTTP_409_CONFLICT, "the statement moved meanwhile")
        return Acknowledged(state=current.state)
    RESULTS.labels(state=target.value).inc()
    logger.info(
        "statement finished",
        extra={"session": session_id, "statement": statement_id, "state": target.value},
    )
    dispatcher.ring(session_id)
    return Acknowledged(state=target)


@files.get(KERNEL_FILE_ROUTE)
async def kernel_file() -> FileResponse:
    return FileResponse(KERNEL_PATH, media_type="text/x-python", filename="kernel.py")


@files.get(KERNEL_ARCHIVE_ROUTE)
async def kernel_archive_file() -> Response:
    return Response(kernel_archive(), media_type=KERNEL_ARCHIVE_MEDIA_TYPE)


def _secret_matches(authorization: str | None, secret: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), secret.encode())


def _result_state(current: StatementState, reported: StatementState) -> StatementState:
    # A cancel asked for while the statement was completing: it stays cancelled, output kept.
    if current is _S.CANCELLING and reported is _S.AVAILABLE:
        return _S.CANCELLED
    return reported


async def _heartbeat(store: Store, session: Application, request: PollRequest) -> Application:
    stamp = {"contacted_at": utcnow()}
    changes: dict[str, object] = {}
    app_id = safe_app_id(request.app_id)
    if request.app_id and app_id is None:
        logger.warning("a driver reported an unsafe Spark app id", extra={"session": session.id})
    if app_id and app_id != session.app_id:
        changes["app_id"] = app_id
    ui_url = safe_url(request.spark_ui_url)
    if request.spark_ui_url and ui_url is None:
        logger.warning("a driver reported an unsafe Spark UI URL", extra={"session": session.id})
    if ui_url and ui_url != session.app_info.spark_ui_url:
        changes["app_info"] = session.app_info.model_copy(update={"spark_ui_url": ui_url})
    # Usually only the time moves: written in place, and only over the document as it was
    # read (its `seq`), so that it never overwrites a change made meanwhile.
    as_read = {"generation": request.generation, "seq": session.seq}
    if not changes and await store.touch_application(
        session.id, stamp, expected=CONTACT_RECORDABLE, only_if=as_read
    ):
        return session.model_copy(update=stamp)
    updated = await store.update_application(
        session.id,
        {**changes, **stamp},
        expected=CONTACT_RECORDABLE,
        only_if={"generation": request.generation},
    )
    if updated is None:
        raise HTTPException(status.HTTP_410_GONE, f"session {session.id} is over for this driver")
    return updated
