"""Money held exactly, as integers: prices in micro-dollars per million tokens (which is also
pico-dollars per token), costs and budget amounts in pico-dollars. A price times a token count
is then an exact integer of pico-dollars, whatever the price's six decimals, and sums never
round. Dollars cross the API as decimal strings (the Decimal scalar), never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

PICO = 10**12  # pico-dollars per dollar
MICRO = 10**6  # micro-dollars per dollar (a price's unit, per million tokens)
MAX_PRICE_USD = Decimal(100_000)  # per million tokens: far above any model's
MAX_AMOUNT_USD = Decimal(1_000_000_000)  # a budget's: still within a 64-bit count of pico-dollars


class NotMoney(ValueError):
    """A value that is not an amount of dollars we hold: its message says why."""


def dollars(text: object, places: int, maximum: Decimal) -> Decimal:
    """A non-negative amount of dollars with at most `places` decimals, from its string."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise NotMoney(f"'{text}' is not a decimal number of dollars") from None
    if not value.is_finite() or value < 0:
        raise NotMoney("must be a finite amount of dollars, 0 or more")
    if value > maximum:
        raise NotMoney(f"must be at most {maximum:,} dollars")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise NotMoney(f"may have at most {places} decimal places")
    return value


def price_micros(text: object) -> int:
    """A price per million tokens (e.g. "2.50") as micro-dollars per million tokens."""
    return int(dollars(text, 6, MAX_PRICE_USD) * MICRO)


def amount_picos(text: object) -> int:
    """A budget's amount (e.g. "100.00") as pico-dollars."""
    return int(dollars(text, 6, MAX_AMOUNT_USD) * PICO)


def usd_text(value: Decimal) -> str:
    """Dollars as the API writes them: a plain decimal string ("0.00000015", never "1.5E-7")."""
    return format(value, "f")


def picos_text(picos: int) -> str:
    return usd_text(usd_of_picos(picos))


def usd_of_micros(micros: int) -> Decimal:
    return _plain(Decimal(micros) / MICRO)


def usd_of_picos(picos: int) -> Decimal:
    return _plain(Decimal(picos) / PICO)


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros, never in exponent form ("0.0000015", "12", not "1.5E-6")."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal
