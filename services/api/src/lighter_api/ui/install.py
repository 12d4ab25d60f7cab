"""The UI on the API app: its pages and its static files."""

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from lighter_api.auth.middleware import UI_PREFIX
from lighter_api.ui.routes import router

STATIC = Path(__file__).parent / "static"


def install_ui(app: FastAPI) -> None:
    app.mount(f"{UI_PREFIX}/static", StaticFiles(directory=STATIC), name="ui-static")
    app.include_router(router)
