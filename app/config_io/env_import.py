"""Connections from the environment variables applications already use, one per provider.

LLM_BASE_URL / LLM_API_KEY / LLM_MODEL (the migration script users of Open WebUI-style apps
run) become "llm"; OPENAI_*, ANTHROPIC_*, AZURE_OPENAI_*, GEMINI_API_KEY and OLLAMA_HOST
become "openai", "anthropic", "azure-openai", "gemini" and "ollama"."""

from __future__ import annotations

from collections.abc import Mapping

from app.config_io.specs import ConnectionSpec
from app.providers.catalog import Provider
from app.providers.families.azure import DEFAULT_API_VERSION


def _first(values: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if values.get(name, "").strip():
            return values[name].strip()
    return None


def _llm(values: Mapping[str, str]) -> ConnectionSpec | None:
    base, key = _first(values, "LLM_BASE_URL"), _first(values, "LLM_API_KEY")
    if not (base or key):
        return None
    model = _first(values, "LLM_MODEL")
    spec = ConnectionSpec(
        "llm", Provider.OPENAI_COMPATIBLE if base else Provider.OPENAI, base_url=base, api_key=key
    )
    if model:
        spec.plain["model_ids"] = [model]
    return spec


def _ollama_url(host: str) -> str:
    url = host if "://" in host else f"http://{host}"
    return url.replace("://0.0.0.0", "://127.0.0.1")  # where a server listens, not where to call


def specs_from_env(values: Mapping[str, str]) -> list[ConnectionSpec]:
    specs = [s for s in [_llm(values)] if s]
    if key := _first(values, "OPENAI_API_KEY"):
        base = _first(values, "OPENAI_BASE_URL", "OPENAI_API_BASE")
        specs.append(ConnectionSpec("openai", Provider.OPENAI, base_url=base, api_key=key))
    if key := _first(values, "ANTHROPIC_API_KEY"):
        base = _first(values, "ANTHROPIC_BASE_URL")
        specs.append(ConnectionSpec("anthropic", Provider.ANTHROPIC, base_url=base, api_key=key))
    azure_key, azure_url = (
        _first(values, "AZURE_OPENAI_API_KEY"),
        _first(values, "AZURE_OPENAI_ENDPOINT"),
    )
    if azure_key and azure_url:
        version = _first(values, "AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION")
        specs.append(
            ConnectionSpec(
                "azure-openai",
                Provider.AZURE_OPENAI,
                base_url=azure_url,
                api_key=azure_key,
                config={"apiVersion": version or DEFAULT_API_VERSION},
            )
        )
    if key := _first(values, "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        specs.append(ConnectionSpec("gemini", Provider.GEMINI, api_key=key))
    if host := _first(values, "OLLAMA_HOST"):
        specs.append(ConnectionSpec("ollama", Provider.OLLAMA, base_url=_ollama_url(host)))
    return specs
