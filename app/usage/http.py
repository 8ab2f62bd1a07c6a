"""GET /metrics: the gateway's Prometheus metrics. An ADMIN token is required (Bearer) unless
SWITCHBOARD_METRICS_PUBLIC=true."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.datastructures import State

from app.auth.service import Role, authenticate
from app.auth.tokens import bearer_token
from app.http.failures import CHALLENGE


@get("/metrics")
async def metrics(request: Request[object, object, State], state: State) -> Response[bytes]:
    if not state.settings.metrics_public:
        token = bearer_token(request.headers.get("authorization"))
        viewer = await authenticate(token) if token else None
        if viewer is None or viewer.role is not Role.ADMIN:
            status = 401 if viewer is None else 403
            message = b"/metrics needs an ADMIN token (Authorization: Bearer ...)\n"
            headers = CHALLENGE if status == 401 else {}
            return Response(message, status_code=status, media_type="text/plain", headers=headers)
    body, content_type = state.services.usage.metrics.exposition()
    return Response(body, media_type=content_type)
