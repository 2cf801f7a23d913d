"""`sitegen email`: an edition as an email message, and sending it once.

The message is the standard library's: multipart/alternative with the edition's text part
and its HTML part (email/edition.txt and email/edition.html of the theme, rendered from the
site as the build renders them), UTF-8, with Date, Message-ID and, when `email.unsubscribe`
is set, List-Unsubscribe (and List-Unsubscribe-Post for an https address: one-click
unsubscribe, RFC 8058).

Sending goes through the SMTP server of `email:` in site.yaml, the password taken from the
environment (SITEGEN_SMTP_PASSWORD) only. Each edition sent is recorded in the site's
cache folder once the server has accepted the message, and is not sent again without
`again`: a retry of a command that did send (a time-out after the server took the
message, say) sends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from .cache import cache_folder
from .config import EmailConfig
from .editions import Edition
from .engine import Engine
from .errors import Problem, SiteError, UsageError, warning
from .render import Renderer, RenderError

PASSWORD_VARIABLE = "SITEGEN_SMTP_PASSWORD"
SEND_TIMEOUT = 30.0  # seconds an SMTP exchange may take before sending gives up
SENT_RECORD = "sent-editions.json"
CLIPPED_FROM = 102 * 1024  # Gmail shows a longer HTML part cut, behind "View entire message"


class SendError(Exception):
    """Sending failed or was refused; its message is one line for the user."""


@dataclass(frozen=True)
class EditionMessage:
    edition: Edition
    message: EmailMessage
    settings: EmailConfig | None  # `email:` of site.yaml
    warnings: tuple[Problem, ...] = ()  # an HTML part long enough to be clipped


@dataclass(frozen=True)
class SentRecord:
    """An edition the SMTP server accepted."""

    slug: str
    sent_at: str  # ISO 8601, UTC
    message_id: str
    recipients: tuple[str, ...]  # those the server accepted


def edition_message(site_dir: Path, slug: str, *, drafts: bool = False) -> EditionMessage:
    """The email of edition `slug`; raises SiteError for the site's errors and UsageError
    for an edition the site does not have."""
    engine = Engine(site_dir, drafts=drafts, index_search=False)
    try:
        loaded = engine.load()
    finally:
        engine.cache.close()
    site = loaded.site
    edition = site.editions_by_slug.get(slug)
    if edition is None:
        known = ", ".join(e.slug for e in site.editions) or "none"
        raise UsageError(f"the site has no edition {slug!r} (its editions: {known})")
    pages = {page.file_path: page for page in site.pages}
    renderer = Renderer(site, loaded.theme, engine.site_dir)
    try:
        html = renderer.render(pages[edition.email_path]).data.decode("utf-8")
        text = renderer.render(pages[edition.text_path]).data.decode("utf-8")
    except RenderError as exc:
        raise SiteError([exc.problem]) from exc
    settings = site.config.email
    message = EmailMessage(policy=SMTP)
    message["Subject"] = " ".join(edition.title.split())  # a header is one line
    if settings is not None:
        message["From"] = settings.sender
        message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    # The sender's domain (or the site's) names the message, not the machine that made it.
    domain = (
        parseaddr(settings.sender)[1].rpartition("@")[2]
        if settings
        else urlsplit(site.config.base_url).hostname
    )
    message["Message-ID"] = make_msgid(f"edition.{slug}", domain=domain or None)
    if settings is not None and settings.unsubscribe:
        message["List-Unsubscribe"] = f"<{settings.unsubscribe}>"
        if settings.unsubscribe.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    size = len(html.encode("utf-8"))
    warnings: tuple[Problem, ...] = ()
    if size >= CLIPPED_FROM:
        clipped = (
            f"the email's HTML part is {size // 1024} KB: Gmail clips a message from 102 KB on "
            f"(its {edition.count} items are too many for one email)"
        )
        warnings = (warning(edition.path, None, clipped),)
    return EditionMessage(edition, message, settings, warnings)


def write_message(message: EmailMessage, path: Path) -> None:
    """Write the message as an .eml file; never over an existing file."""
    try:
        with open(path, "xb") as out:
            out.write(message.as_bytes())
    except FileExistsError:
        raise UsageError(f"{path} exists already: give another file name, or remove it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc


def already_sent(site_dir: Path, slug: str) -> SentRecord | None:
    return _read_records(site_dir).get(slug)


def send(
    site_dir: Path, built: EditionMessage, *, again: bool = False, timeout: float = SEND_TIMEOUT
) -> SentRecord:
    """Send the edition's message through the SMTP server of `email:`, unless it was sent
    before (`again` sends it all the same). Raises SendError with one line saying why
    nothing (or not everything) was sent."""
    settings = built.settings
    slug = built.edition.slug
    if settings is None:
        raise SendError("site.yaml has no email: section (from, to, host, ...): nothing sent")
    before = already_sent(site_dir, slug)
    if before is not None and not again:
        raise SendError(
            f"edition {slug} was sent on {before.sent_at} to {len(before.recipients)} recipient"
            f"{'' if len(before.recipients) == 1 else 's'}: nothing sent (to send it again, add --again)"
        )
    password = os.environ.get(PASSWORD_VARIABLE)
    if settings.user and not password:
        raise SendError(f"email.user is set but {PASSWORD_VARIABLE} is not: set it to the SMTP password")
    where = f"{settings.host}:{settings.port}"
    sender = parseaddr(settings.sender)[1]
    recipients = [parseaddr(address)[1] for address in settings.to]
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as server:
            server.ehlo()
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.user:
                server.login(settings.user, password or "")
            refused = server.send_message(built.message, sender, recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(
            f"the SMTP server {where} refused the login of {settings.user}: {_reply(exc)}"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"the SMTP server {where} does not support {_what_failed(exc)}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendError(
            f"the SMTP server {where} refused every recipient: {_refusals(exc.recipients)}"
        ) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"the SMTP server {where} refused the sender {sender}: {_reply(exc)}") from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"the SMTP server {where} refused the message: {_reply(exc)}") from exc
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise SendError(f"sending through {where} failed: {exc}") from exc
    except OSError as exc:  # refused, unreachable, unknown host, timed out
        raise SendError(f"cannot connect to the SMTP server {where}: {exc.strerror or exc}") from exc
    accepted = tuple(address for address in recipients if address not in refused)
    record = SentRecord(
        slug,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        str(built.message["Message-ID"]),
        accepted,
    )
    # Recorded as soon as the server took it, before anything else can fail: those who
    # got it must not get it twice from a retry.
    _save_record(site_dir, record)
    if refused:
        raise SendError(
            f"sent to {len(accepted)} of {len(recipients)} recipients; the SMTP server {where} refused "
            f"{_refusals(refused)} (the edition counts as sent: to send it to them, list only them in "
            "email.to and add --again)"
        )
    return record


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _what_failed(exc: smtplib.SMTPNotSupportedError) -> str:
    text = str(exc)
    return (
        "STARTTLS (set email.starttls: false for a server without it)" if "STARTTLS" in text.upper() else text
    )


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{address} ({code} {' '.join(reply.decode('utf-8', 'replace').split())})"
        for address, (code, reply) in sorted(refused.items())
    )


def _record_path(site_dir: Path) -> Path:
    return cache_folder(site_dir) / SENT_RECORD


def _read_records(site_dir: Path) -> dict[str, SentRecord]:
    try:
        data = json.loads(_record_path(site_dir).read_text("utf-8"))
        return {
            slug: SentRecord(slug, entry["sent_at"], entry["message_id"], tuple(entry["recipients"]))
            for slug, entry in data.items()
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # Unreadable: sending on would risk a second copy for every reader.
        raise SendError(
            f"the record of sent editions, {_record_path(site_dir)}, cannot be read ({exc}): "
            "nothing sent (remove it only if no edition was sent since)"
        ) from exc


def _save_record(site_dir: Path, record: SentRecord) -> None:
    records = _read_records(site_dir)
    records[record.slug] = record
    path = _record_path(site_dir)
    plain = {
        slug: {"sent_at": r.sent_at, "message_id": r.message_id, "recipients": list(r.recipients)}
        for slug, r in sorted(records.items())
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole, then moved into place: a crash leaves the old record or the new one.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sent-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(plain, out, indent=2)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
