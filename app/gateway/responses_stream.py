"""A Chat Completions stream turned event by event into the Responses API's sequence, for a
Responses call translated to a model that speaks Chat Completions (responses_format.py has the
request and the whole answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.gateway.errors import Dialect
from app.gateway.responses_format import (
    ResponseIds,
    call_item,
    finish_call,
    message_item,
    response_object,
    text_part,
)
from app.gateway.stream_translation import ChatStreamReader
from app.gateway.streams import sse


@dataclass
class ChatToResponsesStream(ChatStreamReader):
    """A Chat Completions stream turned event by event into the Responses sequence:
    response.created and response.in_progress, then per message or function call its
    output_item.added, content_part.added, output_text.delta (or function_call_arguments.delta)
    and the matching .done events, and response.completed with the output and usage."""

    dialect: Dialect = Dialect.OPENAI  # what the caller reads
    ids: ResponseIds = field(default_factory=lambda: ResponseIds(""))
    sequence: int = 0
    output: list[dict[str, Any]] = field(default_factory=list)
    open_item: int | None = None  # the output index still receiving deltas
    calls: dict[int, int] = field(default_factory=dict)  # Chat tool call index -> output index
    custom: frozenset[str] = frozenset()  # custom tools: their input is passed on whole
    arguments: dict[int, str] = field(default_factory=dict)  # output index -> so far

    def _error(self, payload: dict[str, Any]) -> list[bytes]:
        return [sse(payload, "error")]

    def _start(self, chunk: dict[str, Any]) -> list[bytes]:
        self.ids = ResponseIds(str(chunk.get("id", "")))
        response = response_object(self.ids, self.model, [], None, None)
        return [
            self._event("response.created", response=response),
            self._event("response.in_progress", response=response),
        ]

    def _text(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        index = self.open_item
        if index is None or self.output[index]["type"] != "message":
            out = self._close()
            index = self._add(message_item(self.ids.message(len(self.output)), None, "in_progress"))
            out.append(self._event("response.output_item.added", item=self.output[index]))
            self.output[index]["content"] = [text_part("")]
            out.append(self._event("response.content_part.added", part=text_part(""), **self._at()))
        self.output[index]["content"][0]["text"] += text
        out.append(self._event("response.output_text.delta", delta=text, logprobs=[], **self._at()))
        return out

    def _tool(self, call: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        function = call.get("function") or {}
        chat_index = call.get("index", 0)
        if chat_index not in self.calls:
            out = self._close()
            name = function.get("name") or ""
            item_id = self.ids.call(len(self.output))
            item = call_item(item_id, call.get("id") or "", name, name in self.custom)
            self.calls[chat_index] = self._add(item)
            out.append(self._event("response.output_item.added", item=dict(item)))
        index = self.calls[chat_index]
        arguments = function.get("arguments")
        if arguments:
            self.arguments[index] = self.arguments.get(index, "") + arguments
        if arguments and self.output[index]["type"] == "function_call":
            item_id = self.output[index]["id"]
            out.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=index,
                    delta=arguments,
                )
            )
        return out

    def _add(self, item: dict[str, Any]) -> int:
        self.output.append(item)
        self.open_item = len(self.output) - 1
        return self.open_item

    def _at(self) -> dict[str, Any]:
        index = self.open_item or 0
        return {"item_id": self.output[index]["id"], "output_index": index, "content_index": 0}

    def _close(self) -> list[bytes]:
        index = self.open_item
        if index is None:
            return []
        item = self.output[index]
        out: list[bytes] = []
        if item["type"] != "message":
            finish_call(item, self.arguments.get(index, ""))
        item["status"] = "completed"
        if item["type"] == "custom_tool_call":
            at = {"item_id": item["id"], "output_index": index}
            out.append(
                self._event("response.custom_tool_call_input.delta", delta=item["input"], **at)
            )
            out.append(
                self._event("response.custom_tool_call_input.done", input=item["input"], **at)
            )
        elif item["type"] == "message":
            part = item["content"][0]
            out.append(
                self._event(
                    "response.output_text.done", text=part["text"], logprobs=[], **self._at()
                )
            )
            out.append(self._event("response.content_part.done", part=part, **self._at()))
        else:
            out.append(
                self._event(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=index,
                    name=item["name"],
                    arguments=item["arguments"],
                )
            )
        out.append(self._event("response.output_item.done", output_index=index, item=item))
        self.open_item = None
        return out

    def _end(self) -> list[bytes]:
        response = response_object(
            self.ids, self.model, self.output, self.finish_reason, self.usage
        )
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return [*self._close(), self._event(kind, response=response)]

    def _event(self, kind: str, **payload: Any) -> bytes:
        if kind == "response.output_item.added":
            payload["output_index"] = self.open_item
        body = {"type": kind, "sequence_number": self.sequence, **payload}
        self.sequence += 1
        return sse(body, kind)
