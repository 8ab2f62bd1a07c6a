"""Documents an attacker with a MEMBER token would try, each with the budget that must stop it.
The gate's unit tests and the HTTP tests share them."""

from __future__ import annotations


def fan_out(levels: int, per_level: int, on: str, leaf: str, root: str) -> str:
    """Each fragment spreads the previous one `per_level` times: per_level**levels fields."""
    fragments = [f"fragment F0 on {on} {{ {leaf} }}"]
    for i in range(1, levels + 1):
        spreads = " ".join([f"...F{i - 1}"] * per_level)
        fragments.append(f"fragment F{i} on {on} {{ {spreads} }}")
    return root.replace("SPREAD", f"...F{levels}") + "\n" + "\n".join(fragments)


IN_A_LIST = "{ connections { nodes { SPREAD } } }"

FAN_OUT = {
    "2x on an object type in a list": fan_out(39, 2, "LLMConnection", "id name", IN_A_LIST),
    "3x on an object type in a list": fan_out(25, 3, "LLMConnection", "id", IN_A_LIST),
    "2x on Query": fan_out(39, 2, "Query", "viewer { name }", "{ SPREAD }"),
    "3x on Query": fan_out(25, 3, "Query", "providers { provider }", "query Q { SPREAD }"),
    "2x two lists deep": fan_out(
        30,
        2,
        "ConnectionModel",
        "upstreamId",
        "{ connections { nodes { models { nodes { SPREAD } } } } }",
    ),
}

CYCLES = {
    "a fragment spreading itself": (
        "{ viewer { ...A } } fragment A on User { name ...A }",
        "'A' within itself.",
    ),
    "two fragments spreading each other": (
        "{ viewer { ...A } } fragment A on User { ...B } fragment B on User { name ...A }",
        "'A' within itself via 'B'.",
    ),
    "an unused cycle behind an inline fragment": (
        "{ viewer { name } } fragment A on User { ... on User { ...B } } "
        "fragment B on User { name ...C } fragment C on User { ...B }",
        "'B' within itself via 'C'.",
    ),
}


def _spread_side_by_side(count: int) -> str:
    spreads = " ".join(f"...A{i}" for i in range(count))
    fragments = "\n".join(f"fragment A{i} on User {{ name }}" for i in range(count))
    return "{ viewer { " + spreads + " } }\n" + fragments


def _nested(levels: int) -> str:
    return "models { nodes { offerings { connection { " * levels + "id" + " } } } }" * levels


def _aliases_x_rows(fields: str) -> str:
    return (
        "{ "
        + " ".join(f"a{i}: connections(first: 500) {{ nodes {{ {fields} }} }}" for i in range(30))
        + " }"
    )


BUDGETED = {
    "wide: one field 2100 times (tokens)": (
        "{ viewer { " + " ".join(["name"] * 2100) + " } }",
        "max_tokens",
    ),
    "wide: one field 120 times (merges)": (
        "{ viewer { " + " ".join(["name"] * 120) + " } }",
        "max_field_merges",
    ),
    "wide: 200 inline fragments": (
        "{ viewer { " + " ".join("... on User { name }" for _ in range(200)) + " } }",
        "max_field_merges",
    ),
    "wide: 120 fragments side by side": (_spread_side_by_side(120), "max_field_merges"),
    "nested repeats (3 per level, 6 levels)": (
        "{ models { nodes { "
        + (lambda f: f(f, 3))(
            lambda f, d: (
                "id"
                if d == 0
                else "offerings { "
                + " ".join(["connection { " + " ".join([f(f, d - 1)] * 3) + " }"] * 3)
                + " }"
            )
        )
        + " } } }",
        "max_field_merges",
    ),
    "25 operations in one document": (
        "\n".join(f"query Q{i} {{ viewer {{ name }} }}" for i in range(25)),
        "max_operations",
    ),
    "comment padding": ("{ viewer { name } }\n" + "# padding\n" * 4000, "max_tokens"),
    "a 70 KB string literal": (
        '{ connection(name: "' + "x" * 70_000 + '") { id } }',
        "max_document_bytes",
    ),
    "a list literal nested 80 deep": (
        "{ connections(filter: {tag: " + "[" * 80 + "]" * 80 + "}) { totalCount } }",
        "max_nesting",
    ),
    "a variable's type nested 80 deep": (
        "query($v: " + "[" * 80 + "Int" + "]" * 80 + ") { viewer { name } }",
        "max_nesting",
    ),
    "selections nested 100 deep": ("{ viewer " + "{ name " * 100 + "}" * 101, "max_nesting"),
    "31 aliases": (
        "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(31)) + " }",
        "max_aliases",
    ),
    "16 aliases spread twice": (
        "{ connections { nodes { ...A ...A } } } fragment A on LLMConnection { "
        + " ".join(f"a{i}: id" for i in range(16))
        + " }",
        "max_aliases",
    ),
    "depth 14": ("{ connections { nodes { owner { name } " + _nested(3) + " } } }", "max_depth"),
    "30 aliases x 500 rows": (_aliases_x_rows("id name"), "max_result_size"),
    "introspection nested 4 lists deep": (
        "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }",
        "max_result_size",
    ),
    "introspection 30 times over": (
        "{ "
        + " ".join(
            f"i{i}: __schema {{ types {{ name fields {{ name type {{ name }} }} }} }}"
            for i in range(30)
        )
        + " }",
        "max_result_size",
    ),
    "500 x 500 rows by a variable": (
        "query($n: Int) { connections(first: $n) { nodes { models(first: $n) { nodes { upstreamId } } } } }",
        "max_result_size",
    ),
}

# Within every budget (1,708), refused by validation: graphql-core's MaxIntrospectionDepthRule.
DEEP_INTROSPECTION = (
    "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
)

VARIABLES = {"n": 500}
