"""Role checks for fields: admins write, everyone with a token reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.permission import BasePermission

if TYPE_CHECKING:
    from app.api.context import Info  # the API above; only for types


class IsAdmin(BasePermission):
    message = "Your token's role does not allow this operation; it needs an ADMIN token."
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer.is_admin


ADMIN_ONLY: list[type[BasePermission]] = [IsAdmin]  # a field's permission_classes
