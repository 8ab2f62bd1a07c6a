"""Prices and the cost of a call, exactly: money parsed from decimal strings, cached and
cache-written tokens at their own prices, defaults matched only by a model's own releases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.money import NotMoney, amount_picos, price_micros, usd_of_picos
from app.spend.prices import PriceBook, Tokens, default_lists, default_price


def usd(picos: int | None) -> Decimal | None:
    return None if picos is None else usd_of_picos(picos)


@pytest.mark.parametrize(
    ("text", "micros"), [("2.50", 2_500_000), ("0.01875", 18_750), ("0", 0), ("15", 15_000_000)]
)
def test_prices_are_read_exactly(text, micros):
    assert price_micros(text) == micros


@pytest.mark.parametrize("text", ["-1", "abc", "NaN", "Infinity", "0.0000001", "100001"])
def test_what_is_not_a_price_is_refused(text):
    with pytest.raises(NotMoney):
        price_micros(text)


def test_amounts_print_plainly_never_in_exponent_form():
    assert format(usd_of_picos(150), "f") == "0.00000000015"
    assert str(usd_of_picos(amount_picos("100"))) == "100"
    assert str(usd_of_picos(1_500_000)) == "0.0000015"


def test_cached_and_written_tokens_cost_their_own_prices():
    price = default_price("ANTHROPIC", "claude-sonnet-4-5")
    assert price is not None
    tokens = Tokens(input=1000, output=200, cached=300, cache_write=100)
    # 600 fresh at $3, 300 read at $0.30, 100 written at $3.75, 200 out at $15 (per million)
    expected = (600 * Decimal(3) + 300 * Decimal("0.30") + 100 * Decimal("3.75")) / 10**6
    expected += 200 * Decimal(15) / 10**6
    assert usd(price.cost(tokens)) == expected


def test_a_price_without_a_cached_price_bills_cached_tokens_as_input_never_as_zero():
    book = PriceBook({})
    price = default_price("OPENAI", "text-embedding-3-small")
    assert price is not None and price.cached_input is None
    assert price.cost(Tokens(input=10, cached=10)) == price.cost(Tokens(input=10)) > 0
    assert (
        book.cost("OPENAI", "c", "text-embedding-3-small", Tokens(input=10, cached=10)) == 200_000
    )


def test_defaults_match_dated_releases_but_not_other_models():
    base = default_price("OPENAI", "gpt-4o")
    assert base is not None and default_price("OPENAI", "gpt-4o-2024-08-06") == base
    mini = default_price("OPENAI", "gpt-4o-mini-2024-07-18")
    assert mini is not None and mini.model == "gpt-4o-mini"
    sonnet = default_price("ANTHROPIC", "claude-sonnet-4-5-20250929")
    assert sonnet is not None and sonnet.model == "claude-sonnet-4-5"
    assert default_price("OPENAI", "o3-pro") is None  # not priced as o3
    flash = default_price("VERTEX_AI", "google/gemini-2.5-flash")
    assert flash is not None and flash.model == "gemini-2.5-flash"


def test_defaults_apply_to_their_providers_only():
    assert default_price("AZURE_OPENAI", "gpt-4o") is not None
    assert default_price("OLLAMA", "gpt-4o") is None  # a local server does not bill OpenAI's
    assert default_price("OPENAI_COMPATIBLE", "claude-sonnet-4-5") is None


def test_every_default_list_names_its_source_and_date():
    for listed in default_lists():
        for price in listed.prices.values():
            assert price.source.startswith(f"default ({listed.name} 20")
            assert price.input >= 0 and price.output >= 0


def test_an_unpriced_model_costs_none_not_zero_unless_it_used_no_tokens():
    book = PriceBook({})
    assert book.cost("OLLAMA", "c", "llama3", Tokens(input=5, output=5)) is None
    assert book.cost("OLLAMA", "c", "llama3", Tokens()) == 0
