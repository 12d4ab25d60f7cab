"""Issue 15, item 4: every UI answer tells the browser to run no inline script, to frame it
nowhere, to sniff nothing and to send no Referer elsewhere; and the pages need no inline
script or style, so that the policy costs them nothing."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.security.conftest import AppFactory, basic, client_of

UI_TEMPLATES = Path("services/api/src/lighter_api/ui/templates")
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\son[a-z]+=|\sstyle=|javascript:", re.I)


@pytest.fixture
def api(secure_app: AppFactory) -> FastAPI:
    return secure_app()


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in policy.split(";") if directive.strip())
    return {part[0]: part[1:] for part in parts}


def assert_protected(answer: httpx.Response) -> None:
    headers = answer.headers
    where = f"{answer.request.method} {answer.request.url.path} ({answer.status_code})"
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") in ("same-origin", "no-referrer"), where
    policy = _directives(headers.get("content-security-policy", ""))
    assert policy.get("frame-ancestors") == ["'none'"], where
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, where
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(scripts), where
    styles = policy.get("style-src", policy.get("default-src"))
    assert styles is not None and "'unsafe-inline'" not in styles, where


async def test_every_ui_answer_carries_the_browser_protections(api: FastAPI) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        created = await alice.post("/lighter/api/sessions", json={"kind": "pyspark"})
        session_id = created.json()["id"]
        answers = [
            await alice.get(path)
            for path in (
                "/lighter/ui/",
                "/lighter/ui/batches",
                "/lighter/ui/sessions",
                f"/lighter/ui/sessions/{session_id}",
                f"/lighter/ui/fragments/sessions/{session_id}/panel",
                f"/lighter/ui/fragments/sessions/{session_id}/statements",
                "/lighter/ui/fragments/sessions/rows",
                "/lighter/ui/submit",
                "/lighter/ui/no-such-page",
                "/lighter/ui/static/lighter.js",
                "/lighter/ui/static/lighter.css",
                "/lighter/ui/login",
            )
        ]
    async with client_of(api) as stranger:
        answers += [
            await stranger.get("/"),
            await stranger.get("/lighter/ui/sessions"),  # sent to the login form
            await stranger.get("/lighter/ui/login"),
            await stranger.post("/lighter/ui/login", data={"name": "alice", "password": "no"}),
        ]
    assert {a.status_code for a in answers} >= {200, 307, 401, 404}
    for answer in answers:
        assert_protected(answer)


async def test_api_answers_are_not_sniffed_or_framed(api: FastAPI) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        listed = await alice.get("/lighter/api/sessions")
    async with client_of(api) as stranger:
        refused = await stranger.get("/lighter/api/sessions")
    for answer in (listed, refused):
        assert_protected(answer)


def test_the_pages_have_no_inline_script_or_style() -> None:
    templates = sorted(UI_TEMPLATES.glob("*.html"))
    assert templates
    for template in templates:
        found = INLINE.findall(template.read_text())
        assert not found, f"{template.name}: {found}"
