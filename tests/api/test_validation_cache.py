"""A repeated document is parsed and validated once: the second request hits both caches."""

from __future__ import annotations

import pytest

from app.graphql.cost import parse_document
from app.graphql.gate import _validate

pytestmark = pytest.mark.db

QUERY = "query CacheProbe { viewer { name role } connections(first: 3) { totalCount } }"


@pytest.mark.one_execution  # counts what one execution does
async def test_a_repeated_document_hits_the_parse_and_validation_caches(admin):
    await admin(QUERY)
    parsed, validated = parse_document.cache_info(), _validate.cache_info()
    await admin(QUERY)
    assert parse_document.cache_info().hits > parsed.hits
    assert _validate.cache_info().hits == validated.hits + 1
    assert _validate.cache_info().misses == validated.misses
