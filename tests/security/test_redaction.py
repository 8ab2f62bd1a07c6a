"""Provider error text is scrubbed of secrets before it reaches an answer or a log."""

from __future__ import annotations

from app.providers.redact import MAX_TEXT, redact

KEY = "sk-live-0123456789abcdefWXYZ"


def test_a_known_secret_and_its_long_fragments_are_removed():
    text = f"Incorrect API key provided: {KEY}. Also seen: {KEY[:12]}****{KEY[-4:]}"
    scrubbed = redact(text, [KEY])
    assert KEY not in scrubbed and KEY[:12] not in scrubbed
    assert "Incorrect API key provided" in scrubbed


def test_anything_shaped_like_a_key_is_removed_even_when_unknown():
    assert "AIzaSyD-unknown-key" not in redact("bad key AIzaSyD-unknown-key", [])
    assert "ya29.a0Af" not in redact("token ya29.a0AfH6SMBx expired", [])


def test_short_words_and_ordinary_text_survive():
    assert redact("model gpt-4o not found", ["other-secret"]) == "model gpt-4o not found"


def test_long_text_is_cut():
    assert len(redact("x " * 1000, [])) == MAX_TEXT
