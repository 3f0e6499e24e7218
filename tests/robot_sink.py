"""A local stand-in for the 钉钉 / 企业微信 / 飞书 robot endpoints (loopback only).

It checks what each platform checks — token, timestamp window (one hour), HMAC-SHA256 signature,
message type and fields, the 自定义关键词 — and answers errors the way the platform does
(钉钉 ``{"errcode": 310000}``, 企业微信 ``{"errcode": 93000}``, 飞书 ``{"code": 19021}`` / ``19024``).
Accepted messages are kept in ``received`` for assertions. ``stop()`` kills it; ``start()`` brings it
back on the same port. ``hanging()`` gives an endpoint that accepts connections and never answers.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.mailbox import free_port

WINDOW_S = 3600


@dataclass
class RobotConfig:
    token: str
    secret: str = ""
    keyword: str = ""


@dataclass
class Sink:
    port: int
    robots: dict[str, RobotConfig] = field(default_factory=dict)  # "kind:token" → config
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, kind: str, token: str, secret: str = "", keyword: str = "") -> RobotConfig:
        self.robots[f"{kind}:{token}"] = cfg = RobotConfig(token, secret, keyword)
        return cfg

    def texts(self, kind: str) -> list[str]:
        return [json.dumps(body, ensure_ascii=False) for k, body in self.received if k == kind]

    def start(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                kind, answer = sink.check(parts.path, query, body)
                (sink.received if answer.get("errcode", answer.get("code")) == 0 else sink.rejected).append(
                    (kind, body))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # ------------------------------------------------------------ the platforms' checks
    def check(self, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if path == "/robot/send":
            return "dingtalk", self._dingtalk(query, body)
        if path == "/cgi-bin/webhook/send":
            return "wecom", self._wecom(query, body)
        if path.startswith("/open-apis/bot/v2/hook/"):
            return "feishu", self._feishu(unquote(path.rsplit("/", 1)[1]), body)
        return "unknown", {"errcode": 404, "errmsg": "not found"}

    def _dingtalk(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        cfg = self.robots.get(f"dingtalk:{query.get('access_token', '')}")
        if cfg is None:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        if cfg.secret:
            ts = query.get("timestamp", "")
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > WINDOW_S * 1000:
                return {"errcode": 310000, "errmsg": "invalid timestamp"}
            want = base64.b64encode(hmac.new(cfg.secret.encode(), f"{ts}\n{cfg.secret}".encode(),
                                             hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(want, query.get("sign", "")):
                return {"errcode": 310000, "errmsg": "sign not match"}
        md = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return {"errcode": 40035, "errmsg": "缺少参数 markdown.title / markdown.text"}
        if cfg.keyword and cfg.keyword not in md["title"] + md["text"]:
            return {"errcode": 310000, "errmsg": "keywords not in content"}
        return {"errcode": 0, "errmsg": "ok"}

    def _wecom(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if f"wecom:{query.get('key', '')}" not in self.robots:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        content = (body.get("markdown") or {}).get("content", "")
        if body.get("msgtype") != "markdown" or not content:
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if len(content.encode()) > 4096:
            return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        return {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        cfg = self.robots.get(f"feishu:{token}")
        if cfg is None:
            return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        if cfg.secret:
            ts = str(body.get("timestamp", ""))
            want = base64.b64encode(hmac.new(f"{ts}\n{cfg.secret}".encode(), b"", hashlib.sha256).digest()).decode()
            if not ts.isdigit() or abs(time.time() - int(ts)) > WINDOW_S or not hmac.compare_digest(
                    want, str(body.get("sign", ""))):
                return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        post = ((body.get("content") or {}).get("post") or {}).get("zh_cn") or {}
        if body.get("msg_type") != "post" or not post.get("title") or not post.get("content"):
            return {"code": 9499, "msg": "Bad Request"}
        if cfg.keyword and cfg.keyword not in json.dumps(post, ensure_ascii=False):
            return {"code": 19024, "msg": "Key Words Not Found"}
        return {"code": 0, "msg": "success", "data": {}}


@contextmanager
def robot_sink() -> Iterator[Sink]:
    sink = Sink(free_port())
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@contextmanager
def hanging() -> Iterator[str]:
    """A base URL that accepts TCP connections and never answers (a channel that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()
