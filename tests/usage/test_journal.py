"""No answered call is lost from usage by a crash: serve is killed (SIGKILL) right after its
300th answer, before its recorder's next write, and the next start replays what it had not
written; a second replay counts nothing twice."""

from __future__ import annotations

import tempfile

import httpx
import pytest

from app.db.tables import GatewayCall, LLMConnection, UsageHour
from app.usage.journal import Journal, replay
from tests.serving import ADMIN, post_graphql, start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

CREATE = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  connection { id } userErrors { message } } }"""
CALL = {"model": "gpt-fake", "messages": [{"role": "user", "content": "one two three"}]}


async def test_kill_9_after_300_answered_calls_loses_none_of_them(database_url, clean_db, fake):
    server = fake("OPENAI_COMPATIBLE", key="sk-S3CR3T-journal-0001", models=["gpt-fake"])
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log)
        try:
            wait_healthy(port, process)
            made = post_graphql(
                port,
                CREATE,
                {
                    "input": {
                        "name": "journaled",
                        "provider": "OPENAI_COMPATIBLE",
                        "baseUrl": server.url,
                        "apiKey": server.key,
                    }
                },
            ).json()
            assert made["data"]["createConnection"]["userErrors"] == [], made
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                for _ in range(300):
                    answer = await http.post(
                        "/v1/chat/completions",
                        json=CALL,
                        headers={"Authorization": f"Bearer {ADMIN}"},
                    )
                    assert answer.status_code == 200
        finally:
            process.kill()  # SIGKILL: no shutdown, no last flush
            process.wait(timeout=30)
        rows = await LLMConnection.select(LLMConnection.id).where(LLMConnection.name == "journaled")
        ours = GatewayCall.connection_key == str(rows[0]["id"])
        before = await GatewayCall.count().where(ours)
        assert before < 300, "the kill came before the recorder's write (else this proves nothing)"
        process = start_serve(database_url, port, log)
        try:
            wait_healthy(port, process)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert await GatewayCall.count().where(ours) == 300
    hourly = await UsageHour.select(UsageHour.requests).where(
        UsageHour.connection_key == str(rows[0]["id"])
    )
    assert sum(row["requests"] for row in hourly) == 300, "each call counted once in the sums"


async def test_a_replayed_journal_counts_nothing_twice(database_url, clean_db, tmp_path):
    from app.usage.trace import CallTrace

    journal = Journal(tmp_path)
    journal.open()
    rows = []
    for _ in range(3):
        trace = CallTrace("chat/completions", connection_id="c-replay")
        await trace.end(200, 3, 4)
        rows.append(trace.row())
        journal.append(rows[-1])
    journal.release()  # as a killed process leaves it: on disk, no lock held
    again = tmp_path / "copy.usage.jsonl"
    again.write_bytes(next(tmp_path.glob("*.usage.jsonl")).read_bytes())
    assert await replay(tmp_path) == 3  # the same three records, in two segments: once
    assert await GatewayCall.count().where(GatewayCall.connection_key == "c-replay") == 3
    hourly = await UsageHour.select(UsageHour.requests).where(
        UsageHour.connection_key == "c-replay"
    )
    assert sum(row["requests"] for row in hourly) == 3
    assert list(tmp_path.glob("*.usage.jsonl")) == []


async def test_a_live_processs_journal_is_not_replayed(database_url, clean_db, tmp_path):
    journal = Journal(tmp_path)
    journal.open()
    journal.append({"id": "never-read"})
    assert await replay(tmp_path) == 0  # its segment is locked by its (live) owner
    journal.close()


async def test_a_long_outage_keeps_a_bounded_number_of_journal_files_and_loses_nothing(tmp_path):
    from app.usage.journal import MAX_SEALED
    from app.usage.recorder import Recorder

    written: list[dict] = []
    up = False

    async def write(rows):
        if not up:
            raise ConnectionError("the database is away")
        written.extend(rows)

    async def reachable() -> bool:
        return up

    journal = Journal(tmp_path)
    recorder = Recorder(write=write, reachable=reachable, journal=journal)
    journal.open()
    for tick in range(MAX_SEALED * 2):  # a record and a failed flush a second, for two minutes
        recorder.add({"id": f"call-{tick}"})
        await recorder.flush()
    assert len(list(tmp_path.glob("*.usage.jsonl"))) <= MAX_SEALED + 1, "open files are bounded"
    up = True
    await recorder.flush()  # everything queued so far, from the sealed segments and the rest
    await recorder.flush()  # the current segment, sealed at this flush
    assert sorted(r["id"] for r in written) == sorted(f"call-{t}" for t in range(MAX_SEALED * 2))
    journal.close()
    assert list(tmp_path.glob("*.usage.jsonl")) == []
