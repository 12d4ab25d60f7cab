"""The API application: routes, error handling, limits, health and metrics."""

from fastapi import FastAPI
from lighter_common.bus.base import Bus
from lighter_common.service.health import health_router
from lighter_common.settings import Settings
from lighter_common.store.base import Store

from lighter_api.auth.install import install_auth
from lighter_api.auth.settings import AuthSettings
from lighter_api.body_limit import BodyLimitMiddleware
from lighter_api.deps import Services
from lighter_api.errors import install_error_handlers
from lighter_api.large_bodies import LargeBodyGate
from lighter_api.metrics import MetricsMiddleware
from lighter_api.routes import (
    completions,
    configuration,
    events,
    kernel_file,
    lighter,
    lighter_statements,
    livy,
    livy_statements,
)
from lighter_api.security_headers import SecurityHeadersMiddleware
from lighter_api.ui.install import install_ui


def create_app(
    *, store: Store, bus: Bus, settings: Settings, auth: AuthSettings | None = None
) -> FastAPI:
    """The API; `auth` defaults to the LIGHTER_AUTH_* environment."""
    app = FastAPI(
        title="Lighter",
        description="Run Apache Spark batches and interactive sessions over REST "
        "(Lighter and Apache Livy contracts).",
        version="0.1.0",
    )
    app.state.services = Services(store=store, bus=bus, settings=settings)
    install_error_handlers(app)
    # In this order: a route matches before those after it.
    routers = [
        configuration.router,
        events.router,
        lighter.batches,
        lighter.sessions,
        lighter_statements.router,
        livy.version_router,
        livy.batches,
        livy.sessions,
        livy_statements.router,
        completions.livy_router,
        completions.lighter_router,
        kernel_file.router,
        health_router({"store": store.ping, "bus": bus.ping}),
    ]
    for router in routers:
        app.include_router(router)
    install_ui(app)
    install_auth(app, auth=auth or AuthSettings(), settings=settings)
    app.add_middleware(LargeBodyGate)  # inside the body limit, which bounds what it reads
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_body_bytes)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every answer, refusals too
    return app
