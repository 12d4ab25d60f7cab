"""An API server's refusal in words: its Status message, not the exception's headers."""

import json

from kubernetes_asyncio.client.exceptions import ApiException
from lighter_common.backends.kubernetes.raw_api import error_text
from multidict import CIMultiDict, CIMultiDictProxy


def refusal(status: int, reason: str, message: str | None) -> ApiException:
    error = ApiException(status=status, reason=reason)
    body = {"kind": "Status", "status": "Failure", "reason": reason, "code": status}
    if message is not None:
        body["message"] = message
    error.body = json.dumps(body).encode()
    error.headers = CIMultiDictProxy(CIMultiDict({"Audit-Id": "5f0e"}))
    return error


def test_the_status_message_is_the_text() -> None:
    message = (
        'pods "lighter-x" is forbidden: error looking up service account jobs/spark: '
        'serviceaccount "spark" not found'
    )
    text = error_text(refusal(403, "Forbidden", message))
    assert text == f"403 Forbidden: {message}"
    assert "Audit-Id" not in text


def test_without_a_message_the_status_and_reason() -> None:
    assert error_text(refusal(404, "Not Found", None)) == "404 Not Found"
    bare = ApiException(status=500, reason="Internal Server Error")
    bare.body = b"<html>oops</html>"
    assert error_text(bare) == "500 Internal Server Error"


def test_other_errors_are_their_own_text() -> None:
    assert error_text(OSError("connection refused")) == "connection refused"
