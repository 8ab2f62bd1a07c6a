"""The composition root: every long-lived service, built once in create_app() and wired here,
so no domain imports another to find its collaborators."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.stores.base import Store

from app.connections.models import ModelRefresh, ModelSync
from app.connections.service import ConnectionService
from app.dependents.endpoints import EndpointService
from app.dependents.kinds import Links
from app.dependents.workspaces import WorkspaceService
from app.gateway.forwarding import Forwarder
from app.gateway.limits import CallerLimits
from app.http.stores import LocalStore
from app.live.watch import ChangeWatch
from app.providers.client import Outbound
from app.providers.probing import ProviderProbe
from app.security.keyring import Keyring
from app.settings import Settings
from app.spend.alerts import AlertSender
from app.spend.control import SpendControl
from app.spend.ledger import ledger_for
from app.usage.journal import Journal, journal_folder
from app.usage.metrics import GatewayMetrics
from app.usage.recorder import Recorder
from app.usage.sink import UsageSink


@dataclass(frozen=True)
class Services:
    keyring: Keyring
    connections: ConnectionService
    refresh: ModelRefresh
    endpoints: EndpointService
    workspaces: WorkspaceService
    gateway: Forwarder
    limits: CallerLimits
    usage: UsageSink
    spend: SpendControl
    live: ChangeWatch


def build_services(
    settings: Settings,
    keyring: Keyring,
    outbound: tuple[Outbound, Outbound],
    store: Store | None = None,
) -> Services:
    """`store`: the rate-limit store; budgets share it when it is Redis (else each process
    keeps its own ledger)."""
    models = ModelSync(ProviderProbe(*outbound), keyring, settings.refresh_concurrency)
    usage = UsageSink(_recorder(settings), GatewayMetrics(), settings.usage_recording)
    alerts = AlertSender(keyring, outbound[0].client)
    return Services(
        keyring=keyring,
        connections=ConnectionService(keyring, models, Links()),
        refresh=ModelRefresh(models),
        endpoints=EndpointService(),
        workspaces=WorkspaceService(),
        gateway=Forwarder(
            keyring, *outbound, settings.gateway_timeout, settings.gateway_max_event_bytes
        ),
        limits=CallerLimits(store if store is not None else LocalStore()),
        usage=usage,
        spend=SpendControl(ledger_for(store), alerts, usage.recorder.flush),
        live=ChangeWatch(),
    )


def _recorder(settings: Settings) -> Recorder:
    if not settings.usage_recording:
        return Recorder()
    folder = journal_folder(settings.usage_journal_dir, settings.database_url)
    return Recorder(journal=Journal(folder))
