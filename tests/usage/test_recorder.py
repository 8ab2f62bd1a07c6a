"""The recorder queues calls and writes them in batches; a database that refuses batches loses
only what the bounded queue cannot hold, says so in the log, and never blocks a call."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from app.usage.recorder import Recorder


def row(n: int) -> dict:
    return {"n": n}


class FlakyStore:
    def __init__(self) -> None:
        self.down = False
        self.batches: list[list[dict]] = []

    async def write(self, rows) -> None:
        if self.down:
            raise ConnectionRefusedError("the database is away")
        if any(r["n"] == "bad" for r in rows):
            raise ValueError("value too long for type character varying(16)")
        self.batches.append(list(rows))

    async def reachable(self) -> bool:
        return not self.down


def recorder_on(store: FlakyStore, **options) -> Recorder:
    return Recorder(write=store.write, reachable=store.reachable, **options)


async def test_batches_are_written_when_full_and_on_the_timer():
    store = FlakyStore()
    recorder = recorder_on(store, capacity=100, batch=10, interval=0.05)
    recorder.start()
    try:
        for n in range(25):
            recorder.add(row(n))
        await asyncio.sleep(0.3)
    finally:
        await recorder.stop()
    assert [len(b) for b in store.batches] == [10, 10, 5]
    assert [r["n"] for b in store.batches for r in b] == list(range(25))
    assert recorder.written == 25 and recorder.dropped == 0


async def test_an_unavailable_database_keeps_what_fits_and_logs_the_drops(caplog):
    caplog.set_level(logging.WARNING, logger="switchboard.usage")
    store = FlakyStore()
    store.down = True
    recorder = recorder_on(store, capacity=20, batch=5, interval=60)
    started = time.perf_counter()
    for n in range(30):
        recorder.add(row(n))  # never waits for the database
    assert time.perf_counter() - started < 0.05
    await recorder.flush()
    assert len(recorder.queue) == 20 and recorder.dropped == 10
    assert "could not write 5 records (ConnectionRefusedError); 20 queued, 10 dropped" in (
        caplog.text
    )
    store.down = False
    await recorder.flush()
    assert [r["n"] for b in store.batches for r in b] == list(range(20))  # in order, none twice
    assert "takes records again (10 dropped)" in caplog.text


async def test_shutdown_writes_what_is_queued():
    store = FlakyStore()
    recorder = recorder_on(store, capacity=100, batch=50, interval=60)
    recorder.start()
    for n in range(7):
        recorder.add(row(n))
    await recorder.stop()
    assert sum(len(b) for b in store.batches) == 7


@pytest.mark.db
async def test_recorded_calls_survive_a_restart_of_the_recorder(app, admin, fake):
    """What was written is in the database, not in the process."""
    from tests.gateway.sdks import caller_token, openai_client, openai_connection

    await openai_connection(admin, fake, "one", ["m-one"])
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="m-one", messages=[{"role": "user", "content": "x"}])
    recorder = app.state.services.usage.recorder
    await recorder.stop()  # as at shutdown
    recorder.start()
    [total] = (await admin("{ usage(groupBy: []) { requests inputTokens } }"))["usage"]
    assert total == {"requests": 1, "inputTokens": 1}


async def test_a_flush_returns_only_once_a_batch_under_way_is_written():
    written = asyncio.Event()
    release = asyncio.Event()

    async def slow(rows) -> None:
        await release.wait()
        written.set()

    recorder = Recorder(capacity=10, batch=10, interval=60, write=slow)
    recorder.add(row(1))
    background = asyncio.ensure_future(recorder.flush())  # takes the row, waits to write it
    await asyncio.sleep(0.01)
    second = asyncio.ensure_future(recorder.flush())  # the queue is empty, the write is not done
    await asyncio.sleep(0.01)
    assert not second.done()
    release.set()
    await asyncio.gather(background, second)
    assert written.is_set()


def test_recording_can_be_switched_off():
    from app.usage.metrics import GatewayMetrics
    from app.usage.sink import UsageSink
    from app.usage.trace import CallTrace

    recorder = Recorder()
    log = UsageSink(recorder, GatewayMetrics(), recording=False)
    log.started()
    log.ended(CallTrace("chat/completions", model="m"))
    assert not recorder.queue


async def test_stopping_during_a_write_loses_nothing_and_writes_nothing_twice():
    started = asyncio.Event()
    written: list[int] = []

    async def slow(rows) -> None:
        started.set()
        await asyncio.sleep(0.1)
        written.extend(r["n"] for r in rows)

    recorder = Recorder(capacity=100, batch=5, interval=60, write=slow)
    recorder.start()
    for n in range(8):
        recorder.add(row(n))  # the first five fill a batch: the timer task starts writing it
    await started.wait()
    await recorder.stop()  # as at shutdown, while that batch is being written
    assert sorted(written) == list(range(8))


async def test_calls_arriving_during_a_write_wait_for_the_next_batch():
    """A flush writes what was queued when it began; it does not chase a busy gateway a few
    rows at a time."""
    recorder: Recorder
    batches: list[int] = []

    async def write(rows) -> None:
        batches.append(len(rows))
        for n in range(3):  # calls finishing while this batch is written
            recorder.add(row(n))
        await asyncio.sleep(0)

    recorder = Recorder(capacity=1000, batch=100, interval=60, write=write)
    for n in range(10):
        recorder.add(row(n))
    await recorder.flush()
    assert batches == [10] and len(recorder.queue) == 3


async def test_a_record_the_database_refuses_is_dropped_alone(caplog):
    """A batch refused while the database answers is written a record at a time: the bad one is
    dropped and logged, the others are kept, and the queue moves on."""
    caplog.set_level(logging.WARNING, logger="switchboard.usage")
    store = FlakyStore()
    recorder = recorder_on(store, capacity=100, batch=10, interval=60)
    for n in (1, 2, "bad", 3):
        recorder.add(row(n))
    await recorder.flush()
    assert [r["n"] for b in store.batches for r in b] == [1, 2, 3]
    assert recorder.dropped == 1 and not recorder.queue
    assert "refused a record (value too long" in caplog.text
