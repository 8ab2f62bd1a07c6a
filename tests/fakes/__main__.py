"""Start one fake of every provider on 127.0.0.1, to try Switchboard with no provider account.

    .venv/bin/python -m tests.fakes [first_port]

Prints a createConnection input for each; paste them into GraphiQL or curl.
"""

from __future__ import annotations

import json
import sys
import time

from tests.fakes.providers import FAKES, FakeVertex

KEY = "sk-fake-key-for-trying-switchboard"
ROTATED = "sk-fake-rotated-key-for-trying-switchboard"  # accepted too: try a key rotation
SHOWN = ("OPENAI", "AZURE_OPENAI", "ANTHROPIC", "GEMINI", "VERTEX_AI", "OLLAMA", "TOGETHER")


def main(first_port: int) -> None:
    print(
        f"Fake providers on 127.0.0.1. Each takes the API key {KEY} (and {ROTATED}, to try a "
        "rotation). Ctrl-C stops them.\n",
        flush=True,
    )
    for offset, provider in enumerate(SHOWN):
        key = None if provider == "OLLAMA" else KEY
        fake = FAKES[provider](
            key=key, models=["demo-small", "demo-large", "demo-vision"], port=first_port + offset
        )
        fake.also_accepted = (ROTATED,) if key else ()
        fields: dict[str, object] = {
            "name": f"fake-{provider.lower().replace('_', '-')}",
            "provider": provider,
            "baseUrl": fake.url,
        }
        if provider == "VERTEX_AI":
            assert isinstance(fake, FakeVertex)
            fields.update(
                serviceAccountJson=fake.service_account_json(),
                config={"projectId": "fake-project", "region": "us-central1"},
            )
        elif key:
            fields["apiKey"] = key
        if provider == "AZURE_OPENAI":
            fields["config"] = {"apiVersion": "2024-10-21"}
        print(f"{provider:<13} {fake.url}")
        print(f"  createConnection input: {json.dumps(fields)}\n", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9101)
