"""Step 2: each definition summarised once, fragments in dependency order (memoised)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
)

CAP = 10**15  # counts stop growing here, so a hostile document costs no big-integer arithmetic


@dataclass(frozen=True)
class Summary:
    """A selection set with its fragments expanded. Depth is Strawberry's: `{ a { b } }` is 1."""

    fields: int = 0
    aliases: int = 0
    depth: int = -1  # -1: no field at all
    fragment_depth: int = 0

    def plus(self, other: Summary, *, nested: bool = False, spread: bool = False) -> Summary:
        return Summary(
            fields=min(CAP, self.fields + other.fields),
            aliases=min(CAP, self.aliases + other.aliases),
            depth=max(self.depth, other.depth + 1 if nested else other.depth),
            fragment_depth=max(
                self.fragment_depth, other.fragment_depth + 1 if spread else other.fragment_depth
            ),
        )


EMPTY = Summary()


class FragmentCycle(GraphQLError):
    def __init__(self, path: list[str]) -> None:
        via = ", ".join(f"'{name}'" for name in path[1:-1])
        detail = f" via {via}" if via else ""
        super().__init__(
            f"Cannot spread fragment '{path[0]}' within itself{detail}.",
            extensions={"code": "VALIDATION"},
        )


def spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif selection.selection_set is not None:  # type: ignore[attr-defined]
                stack.append(selection.selection_set)  # type: ignore[attr-defined]


def dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Fragments, each after every fragment it spreads (iterative DFS: a chain of hundreds of
    fragments cannot exhaust the stack). A cycle raises FragmentCycle naming it."""
    uses = {
        name: [s for s in spreads(f.selection_set) if s in fragments]
        for name, f in fragments.items()
    }
    order: list[str] = []
    state: dict[str, str] = {}  # "open" while on the path, "done" after
    for start in fragments:
        if start in state:
            continue
        path = [start]
        pending = [iter(uses[start])]
        state[start] = "open"
        while pending:
            name = next(pending[-1], None)
            if name is None:
                pending.pop()
                done = path.pop()
                state[done] = "done"
                order.append(done)
            elif state.get(name) == "open":
                raise FragmentCycle([*path[path.index(name) :], name])
            elif name not in state:
                state[name] = "open"
                path.append(name)
                pending.append(iter(uses[name]))
    return order


def summarise(selection_set: SelectionSetNode, known: Mapping[str, Summary]) -> Summary:
    total = EMPTY
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            own = Summary(fields=1, aliases=int(selection.alias is not None), depth=0)
            total = total.plus(own)
            if selection.selection_set is not None:
                inner = summarise(selection.selection_set, known)
                if selection.name.value.startswith("__"):
                    # As Strawberry's depth limiter: introspection's depth is the schema's,
                    # not the caller's. Every other budget still counts it.
                    inner = replace(inner, depth=-1)
                total = total.plus(inner, nested=True)
        elif isinstance(selection, InlineFragmentNode):
            total = total.plus(summarise(selection.selection_set, known))
        elif isinstance(selection, FragmentSpreadNode):
            total = total.plus(known.get(selection.name.value, EMPTY), spread=True)
    return total
