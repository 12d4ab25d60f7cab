"""What route handlers depend on, as FastAPI `Annotated` aliases over the app's state."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from lighter_common.bus.base import Bus
from lighter_common.settings import Settings
from lighter_common.store.base import Store


@dataclass(frozen=True)
class Services:
    store: Store
    bus: Bus
    settings: Settings


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


# Dependencies are coroutines: FastAPI runs a plain `def` dependency on a worker thread,
# which would cost every request a thread hop per dependency.
async def _services_dep(request: Request) -> Services:
    return _services(request)


async def _store(request: Request) -> Store:
    return _services(request).store


async def _bus(request: Request) -> Bus:
    return _services(request).bus


async def _settings(request: Request) -> Settings:
    return _services(request).settings


ServicesDep = Annotated[Services, Depends(_services_dep)]
StoreDep = Annotated[Store, Depends(_store)]
BusDep = Annotated[Bus, Depends(_bus)]
SettingsDep = Annotated[Settings, Depends(_settings)]
