"""Relay connection types shared by every paginated list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from app.db.pagination import Listing, Page, PageRequest, PaginationError
from app.graphql.errors import bad_argument

NodeType = TypeVar("NodeType")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    row: strawberry.Private[Any]
    cursor_of: strawberry.Private[Callable[[Any], str]]
    item: strawberry.Private[Any]

    @strawberry.field
    def cursor(self) -> str:
        """Encoded only when asked for: most pages are read for their nodes alone."""
        return self.cursor_of(self.row)

    @strawberry.field
    def node(self) -> NodeType:
        return self.item


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    def nodes(self) -> list[NodeType]:
        return [edge.item for edge in self.edges]

    @strawberry.field(description="How many items match the filter, across all pages.")
    async def total_count(self) -> int:
        return await self.counter()


def page_request(
    first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> PageRequest:
    request = PageRequest(first=first, after=after, last=last, before=before)
    try:
        request.size()
    except PaginationError as exc:
        raise bad_argument(str(exc)) from None
    return request


async def load_page(fetch: Callable[[], Awaitable[Page]]) -> Page:
    try:
        return await fetch()
    except PaginationError as exc:
        raise bad_argument(str(exc)) from None


def build_connection(
    page: Page, to_node: Callable[[Any], Any], counter: Callable[[], Awaitable[int]]
) -> Connection[Any]:
    rows = page.rows
    edges: list[Edge[Any]] = [
        Edge(row=row, cursor_of=page.cursor_of, item=to_node(row)) for row in rows
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursor_of(rows[0]) if rows else None,
            end_cursor=page.cursor_of(rows[-1]) if rows else None,
        ),
        counter=counter,
    )


async def listed(
    listing: Listing,
    to_node: Callable[[Any], Any],
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Any]:
    """A domain's listing as a Relay connection: one page, and its count when asked for."""
    request = page_request(first, after, last, before)
    page = await load_page(lambda: listing.page(request))
    return build_connection(page, to_node, listing.count)


def slice_connection(
    items: list[Any],
    key: Callable[[Any], str],
    to_node: Callable[[Any], Any],
    first: int | None,
    after: str | None,
) -> Connection[Any]:
    """Relay paging over a list already in memory (loaded in one batch for many parents)."""
    import base64

    size = page_request(first, after).size()
    start = 0
    if after:
        try:
            last_key = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            raise bad_argument("the cursor is not valid for this list") from None
        start = next((i for i, item in enumerate(items) if key(item) > last_key), len(items))
    chosen = items[start : start + size]

    def cursor(item: Any) -> str:
        return base64.urlsafe_b64encode(key(item).encode()).decode().rstrip("=")

    page = Page(chosen, start + size < len(items), start > 0, cursor)

    async def count() -> int:
        return len(items)

    return build_connection(page, to_node, count)
