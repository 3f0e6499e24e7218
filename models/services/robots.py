"""Group robots of the platforms counties use: 钉钉 custom robot, 企业微信 group robot, 飞书 custom robot.

apprise hard-codes the public hosts; 政务 editions (浙政钉, 政务微信, 政务飞书 …) run their own, so each
adapter takes a base URL. The payloads and signatures follow the platforms' published rules:

- 钉钉: ``POST {base}/robot/send?access_token=T&timestamp=ms&sign=S`` with ``S = urlencode(base64(
  HmacSHA256(key=secret, msg=f"{ms}\\n{secret}")))``; ``msgtype: markdown``; answer ``{"errcode": 0}``,
  310000 for a bad signature, an old timestamp or a missing 关键词.
- 企业微信: ``POST {base}/cgi-bin/webhook/send?key=K``; ``msgtype: markdown`` (content ≤ 4096 bytes).
- 飞书: ``POST {base}/open-apis/bot/v2/hook/{token}`` with ``timestamp`` (seconds) and ``sign = base64(
  HmacSHA256(key=f"{ts}\\n{secret}", msg=b""))`` in the body; ``msg_type: post`` (rich text); answer
  ``{"code": 0}``, 19021 for a bad signature, 19024 for a missing keyword.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

KINDS = {"dingtalk": "钉钉机器人", "wecom": "企业微信机器人", "feishu": "飞书机器人"}
DEFAULT_BASES = {"dingtalk": "https://oapi.dingtalk.com", "wecom": "https://qyapi.weixin.qq.com",
                 "feishu": "https://open.feishu.cn"}
WECOM_LIMIT = 4096


@dataclass(frozen=True)
class Robot:
    kind: str
    base_url: str
    token: str
    secret: str = ""
    keyword: str = ""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None
    down: bool = False
    """The endpoint did not answer (refused, unreachable, timed out): skip it for the rest of the run."""


@dataclass(frozen=True)
class Text:
    """What every channel renders: a subject, body lines kept as lines, and the task's link."""

    subject: str
    lines: tuple[str, ...]
    link: str | None = None


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()  # httpx url-encodes it as a query parameter


def feishu_sign(timestamp_s: int, secret: str) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _with_keyword(text: Text, keyword: str) -> Text:
    """A robot with 自定义关键词 drops messages without it; put it in the subject when missing."""
    if not keyword or keyword in text.subject or any(keyword in line for line in text.lines):
        return text
    return Text(f"{text.subject}（{keyword}）", text.lines, text.link)


def markdown(text: Text) -> str:
    lines = [f"### {text.subject}", *(line if line else "" for line in text.lines)]
    if text.link:
        lines.append(f"[在系统中查看]({text.link})")
    return "\n\n".join(line for line in lines if line)


def _dingtalk(robot: Robot, text: Text) -> tuple[str, dict[str, Any], dict[str, Any]]:
    params: dict[str, Any] = {"access_token": robot.token}
    if robot.secret:
        ms = int(time.time() * 1000)
        params |= {"timestamp": ms, "sign": dingtalk_sign(ms, robot.secret)}
    body = {"msgtype": "markdown", "markdown": {"title": text.subject[:60], "text": markdown(text)}}
    return f"{robot.base_url}/robot/send", params, body


def _wecom(robot: Robot, text: Text) -> tuple[str, dict[str, Any], dict[str, Any]]:
    content = markdown(text).encode()[:WECOM_LIMIT].decode(errors="ignore")
    return (f"{robot.base_url}/cgi-bin/webhook/send", {"key": robot.token},
            {"msgtype": "markdown", "markdown": {"content": content}})


def _feishu(robot: Robot, text: Text) -> tuple[str, dict[str, Any], dict[str, Any]]:
    rows: list[list[dict[str, str]]] = [[{"tag": "text", "text": line}] for line in text.lines if line]
    if text.link:
        rows.append([{"tag": "a", "text": "在系统中查看", "href": text.link}])
    body: dict[str, Any] = {"msg_type": "post",
                            "content": {"post": {"zh_cn": {"title": text.subject, "content": rows}}}}
    if robot.secret:
        ts = int(time.time())
        body = {"timestamp": str(ts), "sign": feishu_sign(ts, robot.secret), **body}
    return f"{robot.base_url}/open-apis/bot/v2/hook/{robot.token}", {}, body


BUILDERS: dict[str, Callable[[Robot, Text], tuple[str, dict[str, Any], dict[str, Any]]]] = {
    "dingtalk": _dingtalk, "wecom": _wecom, "feishu": _feishu}


def _answer(kind: str, response: httpx.Response) -> Outcome:
    if response.status_code >= 400:
        return Outcome(False, f"{KINDS[kind]}返回 HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        return Outcome(False, f"{KINDS[kind]}返回的不是 JSON：{response.text[:200]}")
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    if code in (0, "0", None):
        return Outcome(True)
    message = data.get("errmsg") or data.get("msg") or ""
    return Outcome(False, f"{KINDS[kind]}返回错误 {code}：{message}"[:500])


_local = threading.local()


def _client() -> httpx.Client:
    """One client per sending thread: building an httpx client (and its TLS context) per POST is slow."""
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = httpx.Client()
    return client


def send(robot: Robot, text: Text, *, timeout_s: float) -> Outcome:
    """One POST; never raises. A transport failure marks the endpoint down for the rest of the run."""
    url, params, body = BUILDERS[robot.kind](robot, _with_keyword(text, robot.keyword))
    try:
        response = _client().post(url, params=params, json=body, timeout=timeout_s)
    except httpx.TimeoutException:
        return Outcome(False, f"{KINDS[robot.kind]}超时（{timeout_s:g} 秒无应答）", down=True)
    except httpx.TransportError as exc:
        return Outcome(False, f"{KINDS[robot.kind]}无法连接：{type(exc).__name__}", down=True)
    return _answer(robot.kind, response)
