"""Where a finished gateway call goes: the recorder (the database, in batches) and the metrics."""

from __future__ import annotations

from app.usage.metrics import GatewayMetrics
from app.usage.recorder import Recorder
from app.usage.trace import CallTrace


class UsageLog:
    def __init__(self, recorder: Recorder, metrics: GatewayMetrics) -> None:
        self.recorder = recorder
        self.metrics = metrics

    def started(self) -> None:
        self.metrics.started()

    def ended(self, trace: CallTrace) -> None:
        self.recorder.add(trace.row())
        self.metrics.ended(trace)
