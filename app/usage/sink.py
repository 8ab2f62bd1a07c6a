"""Where a finished gateway call goes: the recorder (the database, in batches) and the metrics."""

from __future__ import annotations

from app.usage.metrics import GatewayMetrics
from app.usage.recorder import Recorder
from app.usage.trace import CallTrace


class UsageSink:
    def __init__(self, recorder: Recorder, metrics: GatewayMetrics, recording: bool = True) -> None:
        self.recorder = recorder
        self.metrics = metrics
        self.recording = recording

    def started(self) -> None:
        self.metrics.started()

    def ended(self, trace: CallTrace) -> None:
        if self.recording:
            self.recorder.add(trace.row())
        self.metrics.ended(trace)
