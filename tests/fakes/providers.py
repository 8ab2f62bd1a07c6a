"""Fakes that speak each provider's real listing API (auth and pagination included) and, for
inference, what tests/fakes/inference.py answers."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes import inference
from tests.fakes.server import Answer, FakeServer, Seen


def _not_found(path: str) -> Answer:
    return Answer(404, {"error": {"message": f"no route {path}", "code": 404}})


AZURE_DEPLOYMENT = re.compile(r"^(/openai/deployments/[^/]+)/")
GEMINI_OPENAI = "/v1beta/openai"
VERTEX_OPENAPI = re.compile(r"^(/v1/projects/[^/]+/locations/[^/]+/endpoints/openapi)/")
OPENAI_INFERENCE = {
    "/chat/completions": inference.openai_chat_with_tools,
    "/embeddings": inference.openai_embeddings,
    "/responses": inference.openai_responses,
}
GEMINI_NATIVE = re.compile(
    r"^/v1beta/models/([^:]+):(generateContent|streamGenerateContent|countTokens)$"
)
ANTHROPIC_INFERENCE = {
    "/messages": inference.anthropic_messages,
    "/messages/count_tokens": inference.anthropic_count_tokens,
}


def _inference(seen: Seen, routes: dict[str, Any], base_path: str) -> Answer | None:
    """POST {base}{route} with a JSON body, answered as the provider would."""
    route = routes.get(seen.path.removeprefix(base_path)) if seen.method == "POST" else None
    if route is None:
        return None
    try:
        body = json.loads(seen.body)
    except ValueError:
        return Answer(
            400, {"error": {"message": "the body is not JSON", "type": "invalid_request"}}
        )
    return route(body)


class FakeOpenAI(FakeServer):
    """OpenAI and the OpenAI-compatible presets: GET /v1/models, Bearer."""

    base_path = "/v1"
    bare_list = False  # Together answers with a bare JSON array

    def auth_error(self, seen: Seen) -> Answer | None:
        if self.key is None:
            return None
        presented = seen.headers.get("authorization", "").removeprefix("Bearer ")
        return None if self.accepts(presented) else self.refuse(presented)

    def route(self, seen: Seen) -> Answer:
        inference = _inference(seen, OPENAI_INFERENCE, self.base_path)
        if inference is not None:
            return inference
        if seen.path != f"{self.base_path}/models":
            return _not_found(seen.path)
        data = [{"id": m, "object": "model", "owned_by": "fake"} for m in self.models]
        return Answer(200, data if self.bare_list else {"object": "list", "data": data})


class FakeTogether(FakeOpenAI):
    bare_list = True


class FakeOllama(FakeOpenAI):
    base_path = ""

    def route(self, seen: Seen) -> Answer:
        inference = _inference(seen, OPENAI_INFERENCE, "/v1")  # Ollama's OpenAI-compatible API
        if inference is not None:
            return inference
        if seen.path == "/api/version":
            return Answer(200, {"version": "0.5.0"})
        if seen.path != "/api/tags":
            return _not_found(seen.path)
        models = [
            {"name": m, "model": m, "size": 1234, "details": {"family": "fake"}}
            for m in self.models
        ]
        return Answer(200, {"models": models})


class FakeAzure(FakeServer):
    """Azure OpenAI: api-key (or Entra ID Bearer), api-version, models and deployments."""

    deployments = True

    def auth_error(self, seen: Seen) -> Answer | None:
        presented = seen.headers.get("api-key") or seen.headers.get(
            "authorization", ""
        ).removeprefix("Bearer ")
        if not self.accepts(presented):
            return Answer(
                401,
                {
                    "error": {
                        "code": "401",
                        "message": "Access denied due to invalid subscription key.",
                    }
                },
            )
        return None

    def route(self, seen: Seen) -> Answer:
        if seen.path == "/openai/responses" and seen.query.get("api-version", "") >= "2025-03":
            return _inference(seen, OPENAI_INFERENCE, "/openai") or _not_found(seen.path)
        deployment = AZURE_DEPLOYMENT.match(seen.path)
        if deployment is not None:
            if "api-version" not in seen.query:
                return Answer(404, {"error": {"code": "404", "message": "api-version is required"}})
            return _inference(seen, OPENAI_INFERENCE, deployment.group(1)) or _not_found(seen.path)
        if "api-version" not in seen.query:
            return Answer(404, {"error": {"code": "404", "message": "Resource not found"}})
        if seen.path == "/openai/models":
            return Answer(
                200,
                {
                    "data": [
                        {"id": m, "status": "succeeded", "capabilities": {}} for m in self.models
                    ]
                },
            )
        if seen.path == "/openai/deployments" and self.deployments:
            return Answer(
                200,
                {
                    "data": [
                        {"id": f"dep-{m}", "model": m, "status": "succeeded"} for m in self.models
                    ]
                },
            )
        return _not_found(seen.path)


class FakeAnthropic(FakeServer):
    def error_body(self, status: int, message: str) -> dict:
        return {"type": "error", "error": {"type": "fake_error", "message": message}}

    def auth_error(self, seen: Seen) -> Answer | None:
        if not seen.headers.get("anthropic-version"):
            return Answer(400, self.error_body(400, "anthropic-version header is required"))
        presented = seen.headers.get("x-api-key")
        if not self.accepts(presented):
            return Answer(401, self.error_body(401, "invalid x-api-key"))
        return None

    def route(self, seen: Seen) -> Answer:
        inference = _inference(seen, ANTHROPIC_INFERENCE, "/v1")
        if inference is not None:
            return inference
        if seen.path != "/v1/models":
            return _not_found(seen.path)
        after = seen.query.get("after_id")
        start = self.models.index(after) + 1 if after in self.models else 0
        chunk, following = self.page(self.models, start)
        data = [
            {
                "type": "model",
                "id": m,
                "display_name": m.upper(),
                "created_at": "2025-01-01T00:00:00Z",
            }
            for m in chunk
        ]
        return Answer(
            200,
            {
                "data": data,
                "has_more": following is not None,
                "first_id": chunk[0] if chunk else None,
                "last_id": chunk[-1] if chunk else None,
            },
        )


class _GooglePaged(FakeServer):
    list_key = "models"
    name_prefix = "models/"

    def error_body(self, status: int, message: str) -> dict:
        return {"error": {"code": status, "message": message, "status": "FAKE"}}

    def listing(self, seen: Seen) -> Answer:
        start = int(seen.query.get("pageToken") or 0)
        chunk, following = self.page(self.models, start)
        body: dict = {
            self.list_key: [{"name": self.name_prefix + m, "displayName": m.title()} for m in chunk]
        }
        if following is not None:
            body["nextPageToken"] = str(following)
        return Answer(200, body)


class FakeGemini(_GooglePaged):
    def auth_error(self, seen: Seen) -> Answer | None:
        if seen.path.startswith(GEMINI_OPENAI):  # its OpenAI-compatible API takes a Bearer key
            bearer = seen.headers.get("authorization", "")
            if not (bearer.startswith("Bearer ") and self.accepts(bearer[7:])):
                return Answer(401, self.error_body(401, "API key not valid."))
            return None
        if "key" in seen.query:
            return Answer(400, self.error_body(400, "the key must not travel in the URL"))
        if not self.accepts(seen.headers.get("x-goog-api-key")):
            return Answer(
                401, self.error_body(401, "API key not valid. Please pass a valid API key.")
            )
        return None

    def route(self, seen: Seen) -> Answer:
        answered = _inference(seen, OPENAI_INFERENCE, GEMINI_OPENAI)
        if answered is not None:
            return answered
        native = GEMINI_NATIVE.match(seen.path) if seen.method == "POST" else None
        if native is not None:
            model, method = native.groups()
            body = json.loads(seen.body)
            if method == "countTokens":
                return inference.gemini_count_tokens(body)
            streamed = method == "streamGenerateContent" and seen.query.get("alt") == "sse"
            return inference.gemini_generate(body, model, streamed)
        return self.listing(seen) if seen.path == "/v1beta/models" else _not_found(seen.path)


class FakeVertex(_GooglePaged):
    """Vertex AI publisher models, plus the OAuth token endpoint a service account's token_uri names."""

    list_key = "publisherModels"
    name_prefix = "publishers/google/models/"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issued: set[str] = set()
        self.client_email = "switchboard@fake-project.iam.gserviceaccount.com"

    def service_account_json(self, private_key_marker: str = "") -> str:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "fake-project",
                "private_key_id": "k1" + private_key_marker,
                "private_key": pem,
                "client_email": self.client_email,
                "client_id": "1",
                "token_uri": f"{self.origin}/token",
            }
        )

    def auth_error(self, seen: Seen) -> Answer | None:
        if seen.path == "/token":
            return None
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.issued:
            return Answer(
                401, self.error_body(401, "Request had invalid authentication credentials.")
            )
        return None

    def route(self, seen: Seen) -> Answer:
        openapi = VERTEX_OPENAPI.match(seen.path)
        if openapi is not None:
            return _inference(seen, OPENAI_INFERENCE, openapi.group(1)) or _not_found(seen.path)
        if seen.path == "/token":
            return self._token(seen)
        if seen.path == "/v1beta1/publishers/google/models":
            return self.listing(seen)
        return _not_found(seen.path)

    def _token(self, seen: Seen) -> Answer:
        """Check the JWT grant's signature against the service account's key, as Google does."""
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
        header, claims, signature = form.get("assertion", "..").split(".")
        payload = json.loads(base64.urlsafe_b64decode(claims + "=="))
        try:
            self.private_key.public_key().verify(
                base64.urlsafe_b64decode(signature + "=="),
                f"{header}.{claims}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return Answer(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
        if payload.get("iss") != self.client_email or payload.get("exp", 0) < time.time():
            return Answer(400, {"error": "invalid_grant", "error_description": "Bad claims."})
        token = "ya29.fake-" + secrets.token_hex(8)
        self.issued.add(token)
        return Answer(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})


FAKES = {
    "OPENAI": FakeOpenAI,
    "MISTRAL": FakeOpenAI,
    "GROQ": FakeOpenAI,
    "DEEPSEEK": FakeOpenAI,
    "OPENROUTER": FakeOpenAI,
    "XAI": FakeOpenAI,
    "TOGETHER": FakeTogether,
    "OPENAI_COMPATIBLE": FakeOpenAI,
    "OLLAMA": FakeOllama,
    "AZURE_OPENAI": FakeAzure,
    "ANTHROPIC": FakeAnthropic,
    "GEMINI": FakeGemini,
    "VERTEX_AI": FakeVertex,
}
