"""Errors as part of the interface: every failure becomes a 4xx/5xx body that names it.

Each dialect renders errors its own way (Lighter: message/path/errors; Livy: msg), chosen by
the request path.
"""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from lighter_common.domain.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    LighterError,
    NotFound,
    QuotaExceeded,
)
from lighter_common.store.base import StoreUnavailable
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lighter_api.dialects import lighter, livy

logger = logging.getLogger(__name__)

# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 5

# The status of each domain error; a class not listed answers as its nearest listed parent.
DOMAIN_ERROR_STATUSES: dict[type[LighterError], int] = {
    LighterError: 400,
    InvalidRequest: 400,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    QuotaExceeded: 429,
}


def status_of(error: LighterError) -> int:
    for cls in type(error).__mro__:
        if cls in DOMAIN_ERROR_STATUSES:
            return DOMAIN_ERROR_STATUSES[cls]
    raise TypeError(f"{type(error).__name__} is not a domain error")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_body(
    path: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The error in the dialect the path belongs to."""
    if path.startswith(livy.PREFIX):
        return livy.render_error(message)
    return lighter.render_error(message, path=path, details=details)


def error_response(request: Request, error: ApiError) -> JSONResponse:
    body = error_body(request.url.path, error.message, error.details)
    return JSONResponse(body, status_code=error.status, headers=error.headers)


_LOCATIONS = {
    "body": "Field",
    "path": "Path parameter",
    "query": "Query parameter",
    "header": "Header",
}


def describe_validation_errors(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    """One readable sentence per problem, each naming the field it is about."""
    details: list[dict[str, Any]] = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        label = _LOCATIONS.get(loc[0], "Field") if loc else "Field"
        field = ".".join(loc[1:] if loc and loc[0] in _LOCATIONS else loc)
        kind = error.get("type", "")
        if kind == "json_invalid":
            ctx = error.get("ctx", {})
            text = f"Malformed JSON body: {ctx.get('error', error.get('msg'))}"
        elif kind == "extra_forbidden":
            text = f"Unknown field '{field}'"
        elif kind == "missing":
            text = f"{label} '{field}' is required"
        elif field:
            text = f"{label} '{field}': {error.get('msg')}"
        else:
            text = f"Request body: {error.get('msg')}"
        details.append({"message": text, "details": {"field": field, "type": kind}})
    message = "; ".join(d["message"] for d in details) or "Invalid request"
    return message, details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        message, details = describe_validation_errors(list(error.errors()))
        return error_response(request, ApiError(400, message, details))

    @app.exception_handler(ValidationError)
    async def _model_validation(request: Request, error: ValidationError) -> JSONResponse:
        message, details = describe_validation_errors(list(error.errors()))
        return error_response(request, ApiError(400, message, details))

    @app.exception_handler(json.JSONDecodeError)
    async def _bad_json(request: Request, error: json.JSONDecodeError) -> JSONResponse:
        return error_response(request, ApiError(400, f"Malformed JSON body: {error}"))

    @app.exception_handler(LighterError)
    async def _domain(request: Request, error: LighterError) -> JSONResponse:
        headers = {}
        if error.retry_after_seconds is not None:
            headers["Retry-After"] = str(error.retry_after_seconds)
        return error_response(request, ApiError(status_of(error), str(error), headers=headers))

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(request: Request, error: StoreUnavailable) -> JSONResponse:
        logger.warning("database unreachable on %s %s: %s", request.method, request.url.path, error)
        message = "The database cannot be reached right now; try again shortly"
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return error_response(request, ApiError(503, message, headers=headers))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = str(error.detail) if error.detail else "HTTP error"
        if error.status_code == 404 and message == "Not Found":
            message = f"No such endpoint: {request.method} {request.url.path}"
        return error_response(request, ApiError(error.status_code, message))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, ApiError(500, f"Internal error: {type(error).__name__}"))
