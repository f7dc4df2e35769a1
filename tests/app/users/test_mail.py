"""Mail over SMTP: a small SMTP server on a local port receives the password-reset message.

Run: .venv/bin/pytest tests/app/users/test_mail.py -q"""

from __future__ import annotations

import asyncio
import base64
import email
import logging
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from kinora.app.users import mail
from tests.app.users.helpers import PASSWORD
from tests.conftest import make_settings


class _Smtp(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: EHLO (AUTH PLAIN, no STARTTLS), AUTH, MAIL, RCPT, DATA, QUIT."""

    server: _Server

    def handle(self) -> None:
        self._say(b"220 test ESMTP")
        while line := self.rfile.readline():
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"EHLO":
                self._say(b"250-test", b"250 AUTH PLAIN")
            elif verb == b"AUTH":
                self.server.logins.append(base64.b64decode(line.split()[-1]).split(b"\0")[1:])
                self._say(b"235 ok")
            elif verb == b"DATA":
                self._say(b"354 end with .")
                self.server.messages.append(self._data())
                self._say(b"250 queued")
            elif verb == b"QUIT":
                self._say(b"221 bye")
                return
            else:
                self._say(b"250 ok")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) != b".\r\n":
            lines.append(line)
        return b"".join(lines)

    def _say(self, *lines: bytes) -> None:
        self.wfile.write(b"".join(line + b"\r\n" for line in lines))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Smtp)
        self.messages: list[bytes] = []
        self.logins: list[list[bytes]] = []


@pytest.fixture
def smtp() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: _Server, credentials: str = "") -> SecretStr:
    return SecretStr(f"smtp://{credentials}127.0.0.1:{server.server_address[1]}")


def test_send_delivers_over_smtp_with_login(smtp: _Server, tmp_path: Any) -> None:
    settings = make_settings(tmp_path, "sqlite", smtp_url=_url(smtp, "mailer:s%40cret@"), mail_from="k@example.org")
    asyncio.run(mail.send(settings, to="ann@example.com", subject="Hello", body="Line one\nLine two\n"))
    assert smtp.logins == [[b"mailer", b"s@cret"]]
    message = email.message_from_bytes(smtp.messages[0])
    assert (message["From"], message["To"], message["Subject"]) == ("k@example.org", "ann@example.com", "Hello")
    assert message.get_payload(decode=True).decode().splitlines() == ["Line one", "Line two"]


def test_without_smtp_the_message_is_logged(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path, "sqlite")
    with caplog.at_level(logging.WARNING, logger="kinora.mail"):
        asyncio.run(mail.send(settings, to="bo@example.com", subject="Hi", body="the body"))
    assert [r.levelno for r in caplog.records if r.name == "kinora.mail"] == [logging.WARNING]
    assert "bo@example.com" in caplog.text and "the body" in caplog.text


def test_unreachable_smtp_is_an_oserror(tmp_path: Any) -> None:
    server = _Server()
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    settings = make_settings(tmp_path, "sqlite", smtp_url=SecretStr(f"smtp://127.0.0.1:{port}"))
    with pytest.raises(OSError):
        asyncio.run(mail.send(settings, to="cy@example.com", subject="Hi", body="x"))


def test_reset_link_goes_out_by_mail_to_the_public_url(community: Any, smtp: _Server) -> None:
    from tests.community import Community

    community.join("uma")
    settings = community.settings.model_copy(update={"smtp_url": _url(smtp), "public_url": "https://kinora.example"})
    with Community(settings) as mailing:
        response = mailing.anonymous.post("/api/auth/password-reset", json={"email": "uma@example.com"})
        assert response.status_code == 202
    message = email.message_from_bytes(smtp.messages[0])
    assert message["To"] == "uma@example.com" and smtp.logins == []
    text = message.get_payload(decode=True).decode()
    token = text.split("https://kinora.example/reset-password?token=")[1].split()[0]
    done = community.anonymous.post("/api/auth/password-reset/confirm", json={"token": token, "password": PASSWORD * 2})
    assert done.status_code == 204
