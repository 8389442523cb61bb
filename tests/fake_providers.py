"""Real local HTTP servers speaking the OpenAI chat-completions and Anthropic messages
protocols, for the real ``openai``/``anthropic`` SDK clients (no mocking, no internet).

One ``FakeLLMServer`` (stdlib ``http.server`` in a thread on 127.0.0.1, port 0) answers both
``POST /v1/chat/completions`` and ``POST /v1/messages``, non-streaming and streaming (SSE), and
records every request body. A test scripts its behaviour by setting attributes:

- ``reply``: the text answered (default: "Hello from <model>"), sent in ``chunks`` when
  streaming (default: split after every space);
- ``usage``: ``(input_tokens, output_tokens)`` to report, or ``None`` to report none;
- ``cached_tokens``: OpenAI only, the part of the input reported as served from the cache;
- ``status``: an HTTP error status to answer instead (e.g. 500);
- ``delay``: seconds to wait before answering (for client time-outs);
- ``fail_after``: when streaming, send this many chunks and then a protocol error event;
- ``hold_after``: when streaming, send this many chunks and then wait for ``release``;
- ``tool_calls``: ``[(id, name, args_dict)]`` the model "calls";
- ``on_request``: a callable run (in the server thread) when a request arrives.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: str | None = None
        self.chunks: list[str] | None = None
        self.usage: tuple[int, int] | None = (11, 7)
        self.cached_tokens: int = 0
        self.status: int | None = None
        self.delay: float = 0.0
        self.fail_after: int | None = None
        self.hold_after: int | None = None
        self.release = threading.Event()
        self.tool_calls: list[tuple[str, str, dict[str, Any]]] = []
        self.on_request: Callable[[dict[str, Any]], None] | None = None
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        # A short poll interval keeps ``shutdown()`` (every test's teardown) quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeLLMServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def text_for(self, body: dict[str, Any]) -> str:
        return self.reply if self.reply is not None else f"Hello from {body.get('model')}"

    def chunks_for(self, body: dict[str, Any]) -> list[str]:
        if self.chunks is not None:
            return self.chunks
        words = self.text_for(body).split(" ")
        return [word + " " for word in words[:-1]] + [words[-1]]


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {key.lower(): value for key, value in self.headers.items()}
            record = {"path": self.path, "headers": headers, "body": body}
            server.requests.append(record)
            if server.on_request is not None:
                server.on_request(record)
            if server.delay:
                time.sleep(server.delay)
            if server.status is not None:
                self._json(server.status, {"error": {"message": "boom", "type": "server_error"}})
                return
            if self.path == "/v1/chat/completions":
                self._openai(body)
            elif self.path == "/v1/messages":
                self._anthropic(body)
            else:
                self._json(404, {"error": {"message": "no such route"}})

        # --- plumbing ---------------------------------------------------------------------
        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # The client may have given up already (time-out tests).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def _sse(self, frames: Iterator[bytes]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for frame in frames:
                    self.wfile.write(frame)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client closed the stream: that is what some tests check

        def _pause_or_fail(self, sent: int) -> bool:
            """True when the scripted failure point is reached (the caller sends the error)."""
            if server.hold_after is not None and sent == server.hold_after:
                server.release.wait(timeout=10)
            return server.fail_after is not None and sent == server.fail_after

        # --- OpenAI chat completions ----------------------------------------------------------
        def _openai(self, body: dict[str, Any]) -> None:
            model = body.get("model")
            calls = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
                for call_id, name, args in server.tool_calls
            ]
            usage = None
            if server.usage is not None:
                usage = {
                    "prompt_tokens": server.usage[0],
                    "completion_tokens": server.usage[1],
                    "total_tokens": sum(server.usage),
                    **(
                        {"prompt_tokens_details": {"cached_tokens": server.cached_tokens}}
                        if server.cached_tokens
                        else {}
                    ),
                }
            if not body.get("stream"):
                message: dict[str, Any] = {"role": "assistant", "content": server.text_for(body)}
                if calls:
                    message["tool_calls"] = calls
                payload: dict[str, Any] = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 1,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
                if usage is not None:
                    payload["usage"] = usage
                self._json(200, payload)
                return

            def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
                data = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": model,
                    "choices": choices,
                    **extra,
                }
                return f"data: {json.dumps(data)}\n\n".encode()

            def frames() -> Iterator[bytes]:
                for sent, text in enumerate(server.chunks_for(body)):
                    if self._pause_or_fail(sent):
                        error = {
                            "error": {"message": "upstream overloaded", "type": "server_error"}
                        }
                        yield f"data: {json.dumps(error)}\n\n".encode()
                        return
                    yield chunk([{"index": 0, "delta": {"content": text}, "finish_reason": None}])
                for index, call in enumerate(calls):
                    delta = {"tool_calls": [{"index": index, **call}]}
                    yield chunk([{"index": 0, "delta": delta, "finish_reason": None}])
                yield chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}])
                include_usage = (body.get("stream_options") or {}).get("include_usage")
                if usage is not None and include_usage:
                    yield chunk([], usage=usage)
                yield b"data: [DONE]\n\n"

            self._sse(frames())

        # --- Anthropic messages ------------------------------------------------------------
        def _anthropic(self, body: dict[str, Any]) -> None:
            model = body.get("model")
            tokens_in, tokens_out = server.usage or (0, 0)
            text = server.text_for(body)
            if not body.get("stream"):
                content: list[dict[str, Any]] = [{"type": "text", "text": text}]
                content += [
                    {"type": "tool_use", "id": call_id, "name": name, "input": args}
                    for call_id, name, args in server.tool_calls
                ]
                self._json(
                    200,
                    {
                        "id": "msg_1",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": content,
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
                    },
                )
                return

            def event(name: str, data: dict[str, Any]) -> bytes:
                return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()

            def frames() -> Iterator[bytes]:
                start = {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": tokens_in, "output_tokens": 1},
                }
                yield event("message_start", {"message": start})
                yield event(
                    "content_block_start",
                    {"index": 0, "content_block": {"type": "text", "text": ""}},
                )
                for sent, piece in enumerate(server.chunks_for(body)):
                    if self._pause_or_fail(sent):
                        error = {"type": "overloaded_error", "message": "Overloaded"}
                        yield event("error", {"error": error})
                        return
                    delta = {"type": "text_delta", "text": piece}
                    yield event("content_block_delta", {"index": 0, "delta": delta})
                yield event("content_block_stop", {"index": 0})
                for offset, (call_id, name, args) in enumerate(server.tool_calls, start=1):
                    block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
                    yield event("content_block_start", {"index": offset, "content_block": block})
                    delta = {"type": "input_json_delta", "partial_json": json.dumps(args)}
                    yield event("content_block_delta", {"index": offset, "delta": delta})
                    yield event("content_block_stop", {"index": offset})
                yield event(
                    "message_delta",
                    {
                        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                        "usage": {"output_tokens": tokens_out},
                    },
                )
                yield event("message_stop", {})

            self._sse(frames())

    return Handler


@pytest.fixture
def fake_llm() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ai_settings(settings, fake_llm: FakeLLMServer):  # type: ignore[no-untyped-def]
    """Every endpoint pointed at the fake server: ``openAI`` (gpt-4o, gpt-4o-mini),
    ``anthropic`` (claude-haiku-4-5) and a compatible ``local`` endpoint whose
    ``llama-small`` model has a 200-token window; no retries, a short time-out."""
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = f"{fake_llm.url}/v1"
    settings.OPENAI_MODELS = ["gpt-4o", "gpt-4o-mini"]
    settings.ANTHROPIC_API_KEY = "sk-ant-test"
    settings.ANTHROPIC_BASE_URL = fake_llm.url
    settings.ANTHROPIC_MODELS = ["claude-haiku-4-5"]
    settings.AI_CUSTOM_ENDPOINTS = [
        {
            "name": "local",
            "baseURL": f"{fake_llm.url}/v1",
            "models": [
                {
                    "id": "llama-small",
                    "model": "llama3.2:1b",
                    "contextWindow": 200,
                    "maxOutputTokens": 50,
                }
            ],
        }
    ]
    settings.AI_MAX_RETRIES = 0
    settings.AI_TIMEOUT_SECONDS = 5.0
    return settings
