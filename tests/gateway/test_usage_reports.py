"""What each provider reports as a call's tokens, read into one Usage: input counts the cached
and cache-written tokens, output counts a thinking model's thoughts, and anything that is not a
count makes the report count for nothing (never a negative or absurd cost)."""

from __future__ import annotations

import pytest

from app.gateway.streams import reported_usage


def test_openai_counts_cached_tokens_within_the_prompt():
    usage = reported_usage(
        {"prompt_tokens": 10, "completion_tokens": 4, "prompt_tokens_details": {"cached_tokens": 6}}
    )
    assert (usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (10, 4, 6)


def test_anthropic_input_gains_what_was_read_from_and_written_to_its_cache():
    usage = reported_usage(
        {
            "input_tokens": 5,
            "output_tokens": 7,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 20,
        }
    )
    assert usage.input_tokens == 125 and usage.output_tokens == 7
    assert (usage.cached_tokens, usage.cache_write_tokens) == (100, 20)


def test_gemini_output_counts_the_thoughts_it_reports_apart():
    usage = reported_usage(
        {
            "promptTokenCount": 8,
            "candidatesTokenCount": 3,
            "thoughtsTokenCount": 40,
            "cachedContentTokenCount": 2,
        }
    )
    assert (usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (8, 43, 2)


@pytest.mark.parametrize(
    "reported",
    [
        {"promptTokenCount": 8, "candidatesTokenCount": 3, "thoughtsTokenCount": -1},
        {"promptTokenCount": 8, "candidatesTokenCount": 3, "thoughtsTokenCount": "40"},
        {"input_tokens": 5, "output_tokens": 10**12},
        {"prompt_tokens": 1.5, "completion_tokens": 1},
    ],
)
def test_what_is_not_a_count_counts_for_nothing(reported):
    usage = reported_usage(reported)
    assert usage.invalid and usage.counted() == (0, 0) and usage.cache_counted() == (0, 0)
