"""Outgoing mail: SMTP when `smtp_url` is set (smtp:// with STARTTLS when offered, smtps:// for TLS), otherwise
the message is logged at WARNING on `kinora.mail` so that a single-machine instance still works."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from kinora.config import Settings

log = logging.getLogger("kinora.mail")
TIMEOUT = 30.0


async def send(settings: Settings, *, to: str, subject: str, body: str) -> None:
    """Deliver one plain-text message (OSError when the SMTP server cannot be reached or refuses it)."""
    if settings.smtp_url is None:
        log.warning("no SMTP configured (KINORA_SMTP_URL); mail to %s, %r:\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    message.set_content(body)
    await asyncio.to_thread(_deliver, settings.smtp_url.get_secret_value(), message)


def _deliver(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise OSError(f"smtp_url must look like smtp(s)://user:password@host:port; got scheme {parts.scheme!r}")
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT)
    with client:
        if parts.scheme == "smtp":
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
