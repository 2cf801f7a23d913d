"""`sitegen email`: the message it writes, and what arrives at a real SMTP server (aiosmtpd on
a loopback port, started by the tests): headers, both parts, the edition's items; the
record that keeps an edition from being sent twice; refused connections, logins and
recipients; and `email:` in site.yaml."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from siteutil import DEFAULT_SITE_YAML, article, write_site

import sitegen
import sitegen.mailing

ARTICLES = {
    "content/a/ports.md": article(
        "Ports reopen après la grève", "2024-12-02T09:00:00+00:00", "Wire Å", region="Europe"
    ),
    "content/a/gas.md": article("Gas deal signed", "2024-12-02T10:00:00+00:00", "Wire B", region="Asia"),
}
EDITION = (
    '---\ntitle: Morning brief\narticles:\n  - {article: ports, note: "Trade resumes — at last."}\n'
    "  - gas\n---\n\nGood morning.\n"
)
PASSWORD = "s3cret-pass"


@dataclass
class Received:
    """What the server took: (sender, recipients, raw message) per message."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=30)

    def parsed(self, number: int = 0) -> EmailMessage:
        return message_from_bytes(self.messages[number][2], policy=policy.default)  # type: ignore[return-value]


class _Handler:
    def __init__(self, received: Received, refuse: set[str]) -> None:
        self.received = received
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.received.arrived:
            self.received.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
            self.received.arrived.notify_all()
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, auth_data):
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"editor"
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)  # not handled: the server answers 535


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    port: int
    received: Received


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """start(auth=False, refuse=()) -> a running aiosmtpd on 127.0.0.1, stopped after the test."""
    started: list[Controller] = []

    def start(auth: bool = False, refuse: tuple[str, ...] = ()) -> SmtpServer:
        received = Received()
        port = _free_port()
        options: dict[str, object] = {}
        if auth:
            options = {"authenticator": _authenticate, "auth_required": True, "auth_require_tls": False}
        controller = Controller(_Handler(received, set(refuse)), hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return SmtpServer(port, received)

    yield start
    for controller in started:
        controller.stop()


def site_yaml(
    port: int, *, user: str | None = None, to: str = "[reader@example.org, boss@example.org]", **more: str
) -> str:
    lines = [
        "email:",
        "  host: 127.0.0.1",
        f"  port: {port}",
        "  starttls: false",
        '  from: "The Brief <brief@example.org>"',
        f"  to: {to}",
    ]
    if user:
        lines.append(f"  user: {user}")
    lines += [f"  {key}: {value}" for key, value in more.items()]
    return DEFAULT_SITE_YAML + "\n".join(lines) + "\n"


def make(tmp_path: Path, yaml_text: str) -> Path:
    return write_site(
        tmp_path / "site",
        {"site.yaml": yaml_text, **ARTICLES, "content/editions/2024-12-03.md": EDITION},
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def assert_is_the_edition(message: EmailMessage) -> None:
    assert message["Subject"] == "Morning brief"
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"].endswith("@example.org>")
    assert message["Date"]
    text, html = parts(message)
    for part in message.iter_parts():
        assert part.get_content_charset() == "utf-8"
    for wanted in ("Ports reopen après la grève", "Wire Å", "Trade resumes — at last.", "Gas deal signed"):
        assert wanted in text
    assert "https://example.org/articles/ports/" in text and "https://example.org/articles/gas/" in text
    assert "Ports reopen après la grève" in html and "Trade resumes — at last." in html
    assert 'href="https://example.org/editions/2024-12-03/"' in html


# --- the message ---------------------------------------------------------------------------------


def test_out_writes_a_standard_message(tmp_path, cli):
    site = make(tmp_path, site_yaml(25, unsubscribe="https://example.org/unsubscribe?list=brief"))
    result = cli("email", "2024-12-03", "--site", site, "--out", tmp_path / "brief.eml")
    assert result.code == 0, result.err
    message = message_from_bytes((tmp_path / "brief.eml").read_bytes(), policy=policy.default)
    assert_is_the_edition(message)  # type: ignore[arg-type]
    assert message["From"] == "The Brief <brief@example.org>"
    assert message["To"] == "reader@example.org, boss@example.org"
    assert message["List-Unsubscribe"] == "<https://example.org/unsubscribe?list=brief>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = parts(message)[1]  # type: ignore[arg-type]
    assert re.search(r'<a href="https://example.org/unsubscribe\?list=brief"[^>]*>Unsubscribe</a>', html)


def test_a_mailto_unsubscribe_has_no_one_click_header(tmp_path, cli):
    site = make(tmp_path, site_yaml(25, unsubscribe="mailto:leave@example.org"))
    cli("email", "2024-12-03", "--site", site, "--out", tmp_path / "brief.eml")
    message = message_from_bytes((tmp_path / "brief.eml").read_bytes(), policy=policy.default)
    assert message["List-Unsubscribe"] == "<mailto:leave@example.org>"
    assert message["List-Unsubscribe-Post"] is None


def test_without_email_settings_the_message_goes_to_stdout_without_addresses(tmp_path, cli_subprocess):
    site = make(tmp_path, DEFAULT_SITE_YAML)
    result = cli_subprocess("email", "2024-12-03", "--site", site)
    assert result.code == 0, result.err
    message = message_from_bytes(result.out.encode("utf-8"), policy=policy.default)
    assert message["Subject"] == "Morning brief" and message["To"] is None
    assert message["List-Unsubscribe"] is None


def test_out_never_overwrites_a_file(tmp_path, cli):
    site = make(tmp_path, DEFAULT_SITE_YAML)
    kept = tmp_path / "notes.eml"
    kept.write_text("mine")
    result = cli("email", "2024-12-03", "--site", site, "--out", kept)
    assert result.code == 2 and "exists already" in result.err
    assert kept.read_text() == "mine"


def test_an_unknown_edition_is_a_usage_error(tmp_path, cli):
    site = make(tmp_path, DEFAULT_SITE_YAML)
    result = cli("email", "2024-12-04", "--site", site)
    assert result.code == 2
    assert (
        result.err.strip() == "sitegen email: the site has no edition '2024-12-04' (its editions: 2024-12-03)"
    )


# --- sending -------------------------------------------------------------------------------------


def test_send_delivers_the_edition_once(tmp_path, cli, smtp_server):
    server = smtp_server()
    site = make(tmp_path, site_yaml(server.port))
    result = cli("email", "2024-12-03", "--site", site, "--send")
    assert result.code == 0, result.err
    assert result.err.strip() == "Sent 2024-12-03 to 2 recipients"
    server.received.wait_for(1)
    sender, recipients, _ = server.received.messages[0]
    assert sender == "brief@example.org" and recipients == ["reader@example.org", "boss@example.org"]
    assert_is_the_edition(server.received.parsed())
    # A retry sends nothing: the record says it went.
    again = cli("email", "2024-12-03", "--site", site, "--send")
    assert again.code == 1
    assert again.err.startswith("sitegen email: edition 2024-12-03 was sent on ")
    assert "nothing sent (to send it again, add --again)" in again.err and again.err.count("\n") == 1
    assert len(server.received.messages) == 1
    # --again sends it again.
    forced = cli("email", "2024-12-03", "--site", site, "--send", "--again")
    assert forced.code == 0, forced.err
    server.received.wait_for(2)


def test_send_logs_in_with_the_password_from_the_environment(tmp_path, cli, smtp_server, monkeypatch):
    server = smtp_server(auth=True)
    site = make(tmp_path, site_yaml(server.port, user="editor"))
    monkeypatch.delenv("SITEGEN_SMTP_PASSWORD", raising=False)
    missing = cli("email", "2024-12-03", "--site", site, "--send")
    assert missing.code == 1 and "SITEGEN_SMTP_PASSWORD is not" in missing.err
    monkeypatch.setenv("SITEGEN_SMTP_PASSWORD", "wrong")
    refused = cli("email", "2024-12-03", "--site", site, "--send")
    assert refused.code == 1
    assert refused.err.startswith(
        f"sitegen email: the SMTP server 127.0.0.1:{server.port} refused the login of editor: 535"
    )
    assert refused.err.count("\n") == 1 and "Traceback" not in refused.err
    assert server.received.messages == []
    monkeypatch.setenv("SITEGEN_SMTP_PASSWORD", PASSWORD)
    sent = cli("email", "2024-12-03", "--site", site, "--send")
    assert sent.code == 0, sent.err
    server.received.wait_for(1)
    assert_is_the_edition(server.received.parsed())


def test_a_refused_connection_is_one_line_and_nothing_is_recorded(tmp_path, cli, smtp_server):
    port = _free_port()  # nothing listens there
    site = make(tmp_path, site_yaml(port))
    result = cli("email", "2024-12-03", "--site", site, "--send")
    assert result.code == 1
    assert result.err.startswith(f"sitegen email: cannot connect to the SMTP server 127.0.0.1:{port}: ")
    assert result.err.count("\n") == 1
    # Not recorded as sent: once the server is up, the same command sends it.
    server = smtp_server()
    (site / "site.yaml").write_text(site_yaml(server.port), encoding="utf-8")
    assert cli("email", "2024-12-03", "--site", site, "--send").code == 0
    server.received.wait_for(1)


def test_every_recipient_refused_is_an_error_and_not_recorded(tmp_path, cli, smtp_server):
    server = smtp_server(refuse=("reader@example.org",))
    site = make(tmp_path, site_yaml(server.port, to="[reader@example.org]"))
    result = cli("email", "2024-12-03", "--site", site, "--send")
    assert result.code == 1
    assert result.err == (
        f"sitegen email: the SMTP server 127.0.0.1:{server.port} refused every recipient: "
        "reader@example.org (550 5.1.1 no such mailbox)\n"
    )
    assert server.received.messages == []
    (site / "site.yaml").write_text(site_yaml(server.port, to="[boss@example.org]"), encoding="utf-8")
    assert cli("email", "2024-12-03", "--site", site, "--send").code == 0  # nothing was recorded


def test_some_recipients_refused_counts_as_sent(tmp_path, cli, smtp_server):
    server = smtp_server(refuse=("boss@example.org",))
    site = make(tmp_path, site_yaml(server.port))
    result = cli("email", "2024-12-03", "--site", site, "--send")
    assert result.code == 1
    assert result.err.startswith("sitegen email: sent to 1 of 2 recipients; the SMTP server")
    assert "boss@example.org (550 5.1.1 no such mailbox)" in result.err and result.err.count("\n") == 1
    server.received.wait_for(1)
    assert server.received.messages[0][1] == ["reader@example.org"]
    retry = cli("email", "2024-12-03", "--site", site, "--send")
    assert retry.code == 1 and "was sent on" in retry.err  # the reader does not get it twice
    assert len(server.received.messages) == 1


def test_send_without_email_settings_is_an_error(tmp_path, cli):
    site = make(tmp_path, DEFAULT_SITE_YAML)
    result = cli("email", "2024-12-03", "--site", site, "--send")
    assert result.code == 1 and "site.yaml has no email: section" in result.err


def test_the_library_sends_and_records(tmp_path, smtp_server):
    server = smtp_server()
    site = make(tmp_path, site_yaml(server.port))
    built = sitegen.mailing.edition_message(site, "2024-12-03")
    record = sitegen.mailing.send(site, built)
    assert record.recipients == ("reader@example.org", "boss@example.org")
    assert sitegen.mailing.already_sent(site, "2024-12-03") == record
    server.received.wait_for(1)
    assert server.received.parsed()["Message-ID"].strip() == record.message_id


# --- email: in site.yaml -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, line, expected",
    [
        ("email: yes", 1, "email: expected a mapping"),
        ("email:\n  to: [a@example.org]", 1, "email.from is missing"),
        (
            "email:\n  from: a@example.org\n  to: [a@example.org]\n  port: http",
            4,
            "email.port must be a port",
        ),
        (
            "email:\n  from: a@example.org\n  to: nobody\n",
            3,
            "email.to must be a list of email addresses",
        ),
        ("email:\n  from: me\n  to: [a@example.org]", 2, "email.from must be an email address"),
        (
            "email:\n  from: a@example.org\n  to: [a@example.org]\n  password: x",
            4,
            "email.password is a credential",
        ),
        (
            "email:\n  from: a@example.org\n  to: [a@example.org]\n  tls: true",
            4,
            "email.tls is not a key",
        ),
        (
            "email:\n  from: a@example.org\n  to: [a@example.org]\n  starttls: 1",
            4,
            "email.starttls must be true or false",
        ),
        (
            "email:\n  from: a@example.org\n  to: [a@example.org]\n  unsubscribe: /leave",
            4,
            "email.unsubscribe must be",
        ),
    ],
)
def test_bad_email_settings_are_errors_at_their_line(tmp_path, cli, settings, line, expected):
    """`line`: the line of the mistake within `settings`, which follow the default site.yaml."""
    site = make(tmp_path, DEFAULT_SITE_YAML + settings + "\n")
    result = cli("build", "--site", site, "--output", tmp_path / "out")
    assert result.code == 1
    where = DEFAULT_SITE_YAML.count("\n") + line
    assert f"site.yaml:{where}: {expected}" in result.err, result.err


def test_an_email_gmail_would_clip_is_a_warning(tmp_path, cli):
    many = {
        f"content/a/story-{n}.md": article(f"Story {n}", "2024-12-02T09:00:00+00:00", "Wire")
        for n in range(60)
    }
    items = "".join(
        f"  - {{article: story-{n}, note: 'A line on why story {n} matters to readers.'}}\n"
        for n in range(60)
    )
    site = write_site(
        tmp_path / "site",
        {
            "site.yaml": DEFAULT_SITE_YAML,
            **many,
            "content/editions/2024-12-03.md": f"---\narticles:\n{items}---\n",
        },
    )
    result = cli("email", "2024-12-03", "--site", site, "--out", tmp_path / "long.eml")
    assert result.code == 0
    [clipped] = [line for line in result.err.splitlines() if "Gmail clips" in line]
    assert clipped.startswith("content/editions/2024-12-03.md: warning: the email's HTML part is ")
    short = cli(
        "email",
        "2024-12-03",
        "--site",
        make(tmp_path / "other", DEFAULT_SITE_YAML),
        "--out",
        tmp_path / "s.eml",
    )
    assert "Gmail clips" not in short.err
