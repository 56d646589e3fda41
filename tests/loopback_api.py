"""A fake Bot API HTTP server on loopback, for end-to-end runs of the bot as a real process."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.offline_api import ApiCall, OfflineBotApi, _decode


class LoopbackBotApi:
    """Serves `POST /bot<token>/<method>` like Telegram, answering from OfflineBotApi's logic."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.answers = OfflineBotApi()
        self.calls: list[ApiCall] = []
        self.updates: queue.Queue[dict[str, Any]] = queue.Queue()
        self.request_paths: list[str] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                api.request_paths.append(self.path)
                prefix = f"/bot{api.token}/"
                if not self.path.startswith(prefix):
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                method = self.path[len(prefix) :]
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(body or "{}")
                else:
                    params = {k: _decode(v[0]) for k, v in parse_qs(body).items()}
                if method == "getUpdates":
                    self._reply(200, {"ok": True, "result": api._poll(params)})
                    return
                with api._lock:
                    result = api.answers._result(method, params)
                    api.calls.append(ApiCall(method, params, result))
                self._reply(200, {"ok": True, "result": result})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # the bot may hang up a long poll when it stops

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll: shutdown() waits for the loop to look (0.5 s by default).
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def _poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = min(float(params.get("timeout") or 0), 1.0)
        offset = int(params.get("offset") or 0)
        try:
            update = self.updates.get(timeout=timeout or 0.05)
        except queue.Empty:
            return []
        return [update] if update["update_id"] >= offset else []

    def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[ApiCall]:
        """Block until the bot has made `count` calls to `method` (a bounded wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [c for c in self.calls if c.method == method]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {method} within {timeout}s; saw {[c.method for c in self.calls]}")

    def __enter__(self) -> LoopbackBotApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
