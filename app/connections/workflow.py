"""Writes that also talk to the provider: verified creation, edits that refresh the model list,
verification of stored connections, and tests of unsaved or edited configurations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.connections.inputs import ConnectionInput, Unset
from app.connections.plan import plan_connection
from app.connections.records import ConnectionRecord, fetch_connection
from app.connections.service import ConnectionService, Outcome
from app.connections.targets import target_from_plan
from app.errors import ErrorCode, Problem, not_found
from app.models.service import ModelService
from app.providers.gateway import ProviderGateway
from app.providers.verification import VerificationResult
from app.providers.verification import VerificationStatus as S
from app.security.keyring import Keyring

# Fields whose change can change which models a connection serves.
MODEL_FIELDS = (
    "base_url",
    "auth_method",
    "config",
    "prefix_id",
    "model_ids",
    "credentials_updated_at",
)


@dataclass(frozen=True)
class Checked:
    """A write's outcome with the verification it ran, if any."""

    outcome: Outcome
    verification: VerificationResult | None = None


class ConnectionWorkflow:
    def __init__(
        self,
        connections: ConnectionService,
        models: ModelService,
        gateway: ProviderGateway,
        keyring: Keyring,
    ) -> None:
        self.connections = connections
        self.models = models
        self.gateway = gateway
        self.keyring = keyring

    async def create(
        self, data: ConnectionInput, verify: bool = False, owner_id: uuid.UUID | None = None
    ) -> Checked:
        probe = None
        if verify:
            plan, problems = plan_connection(data, None, owner_id)
            if plan is None:
                return Checked(Outcome.failed(*problems))
            target = target_from_plan(self.keyring, plan, None, personal=owner_id is not None)
            probe = await self.gateway.probe(target)
            if not probe.result.ok:
                return Checked(Outcome.failed(_verification_failed(probe.result)), probe.result)
        outcome = await self.connections.create(
            data, owner_id=owner_id, verification=probe.result if probe else None
        )
        if outcome.connection is None:
            return Checked(outcome, probe.result if probe else None)
        await self.models.sync(outcome.connection, probe)
        return Checked(
            Outcome(await fetch_connection(outcome.connection.id)), probe.result if probe else None
        )

    async def update(self, connection_id: uuid.UUID, data: ConnectionInput) -> Outcome:
        before = await fetch_connection(connection_id)
        outcome = await self.connections.update(connection_id, data)
        after = outcome.connection
        if before is None or after is None or not _models_affected(before, after):
            return outcome
        await self.models.sync(after)
        return Outcome(await fetch_connection(connection_id))

    async def rotate(
        self, connection_id: uuid.UUID, data: ConnectionInput, verify: bool = True
    ) -> Checked:
        """New secrets in one place: every dependent uses them from the next call on. With
        `verify`, the new secrets are tested first and, if they fail, the old ones stay."""
        data = _secrets_only(data)
        if all(
            isinstance(v, Unset)
            for v in (data.api_key, data.service_account_json, data.custom_headers)
        ):
            return Checked(
                Outcome.failed(
                    Problem(
                        ("input",),
                        ErrorCode.VALIDATION,
                        "give apiKey, serviceAccountJson or customHeaders to rotate",
                    )
                )
            )
        current = await fetch_connection(connection_id)
        if current is None:
            return Checked(Outcome.failed(not_found("connection")))
        plan, problems = plan_connection(data, current)
        if plan is None:
            return Checked(Outcome.failed(*problems))
        probe = (
            await self.gateway.probe(target_from_plan(self.keyring, plan, current))
            if verify
            else None
        )
        if probe is not None and not probe.result.ok:
            failed = _verification_failed(probe.result, "The old credentials stay in place.")
            return Checked(Outcome.failed(failed), probe.result)
        outcome = await self.connections.update(connection_id, data)
        if outcome.connection is None or probe is None:
            return Checked(outcome)
        await self.models.sync(outcome.connection, probe)
        updated = await self.connections.record_verification(connection_id, probe.result)
        return Checked(Outcome(updated), probe.result)

    async def verify(self, connection_id: uuid.UUID) -> Checked:
        record = await fetch_connection(connection_id)
        if record is None:
            return Checked(Outcome.failed(not_found("connection")))
        probe = await self.models.probe(record)
        await self.models.sync(record, probe)
        updated = await self.connections.record_verification(connection_id, probe.result)
        return Checked(Outcome(updated), probe.result)

    async def test(
        self, data: ConnectionInput, connection_id: uuid.UUID | None, personal: bool = False
    ) -> VerificationResult | list[Problem]:
        """Test without saving: an unsaved config, or a stored one with overrides."""
        current = await fetch_connection(connection_id) if connection_id else None
        if connection_id is not None and current is None:
            return [not_found("connection")]
        plan, problems = plan_connection(data, current)
        if plan is None:
            moved = [
                p for p in problems if p.code is ErrorCode.NOT_ALLOWED and "origin" in p.message
            ]
            if moved:
                return _refused(moved[0].message)
            return problems
        target = target_from_plan(self.keyring, plan, current, personal=personal)
        return (await self.gateway.probe(target)).result


def _models_affected(before: ConnectionRecord, after: ConnectionRecord) -> bool:
    if after.enabled and not before.enabled:
        return True
    return any(getattr(before, f) != getattr(after, f) for f in MODEL_FIELDS)


def _verification_failed(
    result: VerificationResult, outcome: str = "Nothing was saved."
) -> Problem:
    return Problem(
        ("input",),
        ErrorCode.VERIFICATION_FAILED,
        f"Verification failed ({result.status.value}): {result.message or 'no details'}. {outcome}",
    )


def _refused(message: str) -> VerificationResult:
    from datetime import UTC, datetime

    return VerificationResult(S.BLOCKED_BY_POLICY, message, None, None, datetime.now(UTC))


def _secrets_only(data: ConnectionInput) -> ConnectionInput:
    """Rotation changes secrets and nothing else."""
    return ConnectionInput(
        api_key=data.api_key,
        service_account_json=data.service_account_json,
        custom_headers=data.custom_headers,
    )
