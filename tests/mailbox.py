"""An in-process SMTP server (aiosmtpd) on a free local port, collecting parsed messages."""
from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=reform@example.gov.cn&to={to}"

    def texts(self) -> list[str]:
        out = []
        for m in self.messages:
            body = m.get_body(preferencelist=("plain", "html"))
            out.append(f"{m['subject']}\n{body.get_content() if body else ''}")
        return out

    def to(self, address: str) -> list[str]:
        return [t for m, t in zip(self.messages, self.texts(), strict=True) if address in str(m["to"])]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.box.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    port = free_port()
    box = Mailbox(port)
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(name="mailbox")
def mailbox_fixture() -> Iterator[Mailbox]:
    """Import this fixture into a test module: ``from tests.mailbox import mailbox_fixture``."""
    with smtp_server() as box:
        yield box
