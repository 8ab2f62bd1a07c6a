"""The cost gate on its own: every hostile family is refused in bounded time, naming the budget;
what real clients send is admitted; and on random fragment graphs its memoised counts equal a
brute-force expansion."""

from __future__ import annotations

import time

import pytest
from graphql import GraphQLError, get_introspection_query, validate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.schema import build_schema
from app.budgets import BudgetExceeded, Budgets
from app.graphql.cost import CAP, FragmentCycle, Measured, measure, parse_document
from tests.hostile import BUDGETED, CYCLES, FAN_OUT, IN_A_LIST, VARIABLES, fan_out

SCHEMA = build_schema()._schema
BUDGETS = Budgets()
GATE_SECONDS = 0.5  # the gate's figure is ~5-40 ms (`make bench`); 10x for a shared machine


def gate(query: str, variables: dict | None = None, budgets: Budgets = BUDGETS) -> Measured:
    parse_document.cache_clear()
    return measure(parse_document(query, budgets), SCHEMA, variables, budgets)


def refused(
    query: str, variables: dict | None = None, budgets: Budgets = BUDGETS
) -> BudgetExceeded:
    started = time.perf_counter()
    with pytest.raises(BudgetExceeded) as caught:
        gate(query, variables, budgets)
    assert time.perf_counter() - started < GATE_SECONDS
    return caught.value


@pytest.mark.parametrize("family", FAN_OUT)
def test_fragment_fan_out_is_refused_at_once_with_the_budget_named(family):
    error = refused(FAN_OUT[family])
    assert error.budget == "max_fields"
    assert error.limit == BUDGETS.max_fields and error.actual > 10**8
    assert "max_fields budget" in str(error) and "over by" in str(error)
    assert error.extensions["code"] == "VALIDATION"


def test_the_counts_are_exact_below_the_cap():
    generous = Budgets(max_field_merges=10**9)
    query = fan_out(9, 2, "LLMConnection", "id name", IN_A_LIST)
    measured = gate(query, budgets=generous)
    assert measured.fields == 2 + 2 * 2**9  # connections, nodes, then 2^9 copies of id and name
    copies = 2**9  # of id, and of name; every pair of copies is compared
    assert measured.field_merges == 2 * copies * (copies - 1) // 2


@pytest.mark.parametrize("name", CYCLES)
def test_fragment_cycles_are_refused_even_unused_or_inline(name):
    query, path = CYCLES[name]
    with pytest.raises(FragmentCycle) as caught:
        gate(query)
    assert path in caught.value.message


def test_long_fragment_chains_are_refused_without_recursion():
    chain = "\n".join(
        f"fragment C{i} on User {{ name {f'...C{i - 1}' if i else ''} }}" for i in range(200)
    )
    error = refused("{ viewer { ...C199 } }\n" + chain)
    assert error.budget == "max_fragment_depth"


@pytest.mark.parametrize("name", BUDGETED)
def test_each_family_is_refused_by_its_budget(name):
    query, budget = BUDGETED[name]
    assert refused(query, VARIABLES).budget == budget


def test_what_clients_send_is_admitted():
    introspection = gate(get_introspection_query(descriptions=True))
    assert introspection.depth == 0, "introspection's depth is the schema's, as in Strawberry"
    # One full introspection of our schema is free, however large the schema grows.
    assert introspection.result_size == 0
    fullest = gate(
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
        )
    )
    assert fullest.result_size == 0, "GraphiQL's own query"
    page = gate(
        "{ connections(first: 500) { totalCount pageInfo { hasNextPage endCursor } nodes { id name } } }"
    )
    # connections, totalCount, pageInfo and its 2 fields, nodes, 500 rows of 2 fields; the
    # objects once more: the connection, pageInfo and the 500 rows.
    assert page.result_size == 1 + 1 + 1 + 2 + 1 + 500 * 2 + (1 + 1 + 500)
    pages = (
        "{ "
        + " ".join(f"a{i}: connections(first: 500) {{ nodes {{ id name }} }}" for i in range(6))
        + " }"
    )
    six = gate(pages)
    assert six.aliases == 6 and six.result_size == 6 * (1 + 1 + 500 * 2 + 1 + 500)
    relay_style = "\n".join(
        f"fragment P{i} on LLMConnection {{ id name t{i}: tags }}" for i in range(30)
    )
    colocated = gate(
        "{ connections { nodes { "
        + " ".join(f"...P{i}" for i in range(30))
        + " } } }\n"
        + relay_style
    )
    assert colocated.field_merges == 2 * (30 * 29 // 2) + 30 * 29 // 2  # id, name, fragment pairs
    assert gate('{ connection(name: "' + "x" * 50_000 + '") { id } }').fields == 2


def test_introspection_lists_are_priced_at_our_schema_s_real_sizes():
    from app.graphql.cost.merging import full_introspection_size

    # GraphiQL's introspection query answers 8,437 values and objects on this schema (counted
    # from a real answer when prices and budgets joined it); the estimate must stay close.
    assert 7500 < full_introspection_size(SCHEMA) < 12000
    twice = gate("{ a: __schema { types { name } } b: __schema { types { name } } }")
    assert twice.result_size == 0, "within one full introspection"


def test_a_syntax_error_is_reported_as_such():
    with pytest.raises(GraphQLError, match="Syntax Error"):
        gate("{ viewer { name ")
    with pytest.raises(GraphQLError, match="Syntax Error"):
        gate("{ viewer { } }")  # empty selection sets are refused, as the spec's grammar says


# -- property: random fragment graphs ------------------------------------------------------

FIELDS = ("id", "name", "description", "enabled")


@st.composite
def fragment_graphs(draw):
    """Fragments on LLMConnection, each selecting a few fields and spreading earlier ones
    (repeatedly, so counts grow fast); sometimes one back edge makes a cycle."""
    count = draw(st.integers(1, 14))
    bodies = []
    for i in range(count):
        own = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3))
        spreads = draw(st.lists(st.integers(0, i - 1), max_size=4)) if i else []
        bodies.append((own, spreads))
    cycle = draw(st.booleans())
    if cycle:  # F0 and the last fragment spread each other (F0 itself when it is the only one)
        bodies[0][1].append(count - 1)
        bodies[count - 1][1].append(0)
    roots = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=3))
    return bodies, roots, cycle


def render(bodies, roots) -> str:
    fragments = [
        f"fragment F{i} on LLMConnection {{ {' '.join(own)} {' '.join(f'...F{s}' for s in spreads)} }}"
        for i, (own, spreads) in enumerate(bodies)
    ]
    operation = "{ connections { nodes { " + " ".join(f"...F{r}" for r in roots) + " } } }"
    return operation + "\n" + "\n".join(fragments)


def brute_force_fields(bodies, roots, cap: int) -> int:
    """Expand by hand, stopping past `cap` (fragments are acyclic here). Validation checks
    unused fragments too, so each fragment no one spreads counts as a root of its own."""
    spread = {s for _, spreads in bodies for s in spreads} | set(roots)
    total = 2  # connections, nodes
    stack = [*roots, *(i for i in range(len(bodies)) if i not in spread)]
    while stack and total <= cap:
        own, spreads = bodies[stack.pop()]
        total += len(own)
        stack.extend(spreads)
    return total


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(fragment_graphs())
def test_random_fragment_graphs_get_the_right_verdict_in_bounded_time(graph):
    bodies, roots, cycle = graph
    query = render(bodies, roots)
    started = time.perf_counter()
    try:
        measured = gate(query)
    except FragmentCycle:
        assert cycle
        return
    except BudgetExceeded as error:
        assert not cycle
        if error.budget == "max_fields":
            assert brute_force_fields(bodies, roots, BUDGETS.max_fields) > BUDGETS.max_fields
        return
    finally:
        assert time.perf_counter() - started < GATE_SECONDS
    assert not cycle
    assert measured.fields == brute_force_fields(bodies, roots, CAP)
    # Admitted: graphql-core's own validation is then cheap too.
    started = time.perf_counter()
    validate(SCHEMA, parse_document(query, BUDGETS))
    assert time.perf_counter() - started < GATE_SECONDS
