"""What each provider needs: default base URL, auth methods, config fields. Pure data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Provider(Enum):
    OPENAI = "OPENAI"
    AZURE_OPENAI = "AZURE_OPENAI"
    ANTHROPIC = "ANTHROPIC"
    GEMINI = "GEMINI"
    VERTEX_AI = "VERTEX_AI"
    OLLAMA = "OLLAMA"
    OPENAI_COMPATIBLE = "OPENAI_COMPATIBLE"
    MISTRAL = "MISTRAL"
    GROQ = "GROQ"
    DEEPSEEK = "DEEPSEEK"
    OPENROUTER = "OPENROUTER"
    XAI = "XAI"
    TOGETHER = "TOGETHER"


class AuthMethod(Enum):
    API_KEY = "API_KEY"
    AZURE_API_KEY = "AZURE_API_KEY"
    AZURE_AD_TOKEN = "AZURE_AD_TOKEN"  # noqa: S105 (an enum name)
    SERVICE_ACCOUNT = "SERVICE_ACCOUNT"
    NONE = "NONE"


class Family(Enum):
    """Providers that speak the same wire protocol share one module (providers/families)."""

    OPENAI = "openai"
    AZURE = "azure"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    VERTEX = "vertex"
    OLLAMA = "ollama"


@dataclass(frozen=True)
class ConfigFieldSpec:
    name: str
    label: str
    required: bool
    description: str
    pattern: re.Pattern[str]
    example: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class ProviderSpec:
    provider: Provider
    display_name: str
    family: Family
    default_base_url: str | None
    auth_methods: tuple[AuthMethod, ...]
    config_fields: tuple[ConfigFieldSpec, ...] = ()
    supports_model_listing: bool = True
    speaks_responses: bool = False  # serves OpenAI's Responses API (/v1/responses) itself

    @property
    def speaks_gemini(self) -> bool:
        """Serves Gemini's own generateContent, streamGenerateContent and countTokens."""
        return self.family is Family.GEMINI

    @property
    def default_auth_method(self) -> AuthMethod:
        return self.auth_methods[0]

    def config_field(self, name: str) -> ConfigFieldSpec | None:
        return next((f for f in self.config_fields if f.name == name), None)


_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

OPENAI_FIELDS = (
    ConfigFieldSpec(
        "organization",
        "Organization ID",
        False,
        "Sent as OpenAI-Organization",
        _TOKEN,
        example="org-abc123",
    ),
    ConfigFieldSpec(
        "project", "Project ID", False, "Sent as OpenAI-Project", _TOKEN, example="proj_abc123"
    ),
)
AZURE_FIELDS = (
    ConfigFieldSpec(
        "apiVersion",
        "API version",
        True,
        "The api-version query parameter of every call",
        re.compile(r"^(\d{4}-\d{2}-\d{2}(-preview)?|v1|latest|preview)$"),
        example="2024-10-21",
    ),
)
ANTHROPIC_FIELDS = (
    ConfigFieldSpec(
        "anthropicVersion",
        "anthropic-version header",
        False,
        "Sent as anthropic-version",
        re.compile(r"^\d{4}-\d{2}-\d{2}$"),
        default="2023-06-01",
    ),
)
VERTEX_FIELDS = (
    ConfigFieldSpec(
        "projectId",
        "Google Cloud project ID",
        True,
        "The project that is billed",
        re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"),
        example="my-project-123",
    ),
    ConfigFieldSpec(
        "region",
        "Region",
        True,
        "Vertex AI location; the base URL defaults to {region}-aiplatform",
        re.compile(r"^([a-z]+-[a-z]+[0-9]+|global)$"),
        example="us-central1",
    ),
)

_BEARER = (AuthMethod.API_KEY,)


def _openai_like(provider: Provider, name: str, base_url: str | None) -> ProviderSpec:
    return ProviderSpec(provider, name, Family.OPENAI, base_url, _BEARER)


CATALOG: dict[Provider, ProviderSpec] = {
    spec.provider: spec
    for spec in (
        ProviderSpec(
            Provider.OPENAI,
            "OpenAI",
            Family.OPENAI,
            "https://api.openai.com/v1",
            _BEARER,
            OPENAI_FIELDS,
            speaks_responses=True,
        ),
        ProviderSpec(
            Provider.AZURE_OPENAI,
            "Azure OpenAI",
            Family.AZURE,
            None,
            (AuthMethod.AZURE_API_KEY, AuthMethod.AZURE_AD_TOKEN),
            AZURE_FIELDS,
            speaks_responses=True,
        ),
        ProviderSpec(
            Provider.ANTHROPIC,
            "Anthropic",
            Family.ANTHROPIC,
            "https://api.anthropic.com",
            _BEARER,
            ANTHROPIC_FIELDS,
        ),
        ProviderSpec(
            Provider.GEMINI,
            "Google Gemini",
            Family.GEMINI,
            "https://generativelanguage.googleapis.com",
            _BEARER,
        ),
        ProviderSpec(
            Provider.VERTEX_AI,
            "Google Vertex AI",
            Family.VERTEX,
            None,
            (AuthMethod.SERVICE_ACCOUNT,),
            VERTEX_FIELDS,
        ),
        ProviderSpec(
            Provider.OLLAMA,
            "Ollama",
            Family.OLLAMA,
            "http://localhost:11434",
            (AuthMethod.NONE, AuthMethod.API_KEY),
        ),
        ProviderSpec(
            Provider.OPENAI_COMPATIBLE,
            "OpenAI-compatible server",
            Family.OPENAI,
            None,
            (AuthMethod.API_KEY, AuthMethod.NONE),
        ),
        _openai_like(Provider.MISTRAL, "Mistral", "https://api.mistral.ai/v1"),
        _openai_like(Provider.GROQ, "Groq", "https://api.groq.com/openai/v1"),
        _openai_like(Provider.DEEPSEEK, "DeepSeek", "https://api.deepseek.com/v1"),
        _openai_like(Provider.OPENROUTER, "OpenRouter", "https://openrouter.ai/api/v1"),
        _openai_like(Provider.XAI, "xAI", "https://api.x.ai/v1"),
        _openai_like(Provider.TOGETHER, "Together AI", "https://api.together.xyz/v1"),
    )
}


def spec_for(provider: Provider) -> ProviderSpec:
    return CATALOG[provider]


def derived_base_url(spec: ProviderSpec, config: dict[str, str]) -> str | None:
    """The base URL used when none is given: the provider's default, or one built from config."""
    if spec.family is Family.VERTEX and config.get("region"):
        region = config["region"]
        host = (
            "aiplatform.googleapis.com"
            if region == "global"
            else f"{region}-aiplatform.googleapis.com"
        )
        return f"https://{host}"
    return spec.default_base_url


AUTH_METHOD_LABELS = {
    AuthMethod.API_KEY: "API key",
    AuthMethod.AZURE_API_KEY: "Azure API key",
    AuthMethod.AZURE_AD_TOKEN: "Microsoft Entra ID token",
    AuthMethod.SERVICE_ACCOUNT: "Service account JSON",
    AuthMethod.NONE: "No key",
}


def secret_kind(method: AuthMethod) -> str | None:
    """Which secret input an auth method needs: "apiKey", "serviceAccountJson" or None."""
    if method is AuthMethod.NONE:
        return None
    if method is AuthMethod.SERVICE_ACCOUNT:
        return "serviceAccountJson"
    return "apiKey"
