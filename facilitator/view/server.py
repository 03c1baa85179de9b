"""The live view's web server: 127.0.0.1 only, a random free port, a secret token, no outside requests.

Every address is ``http://127.0.0.1:PORT/TOKEN/...``; anything else gets 403. The page and its
two assets come from the package (facilitator/view/static), under a Content-Security-Policy
that allows only this address. Events reach the page by Server-Sent Events (``events``); the
whole state is sent on connect, so a reload shows where the session is. Each page is served on
its own thread and reads the shared ViewState; the session never waits for a page.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from facilitator.view.state import ViewState

HOST = "127.0.0.1"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""Only this address, and no inline script: nothing can be fetched from or sent anywhere else."""
ASSETS = {"": ("index.html", "text/html; charset=utf-8"), "view.css": ("view.css", "text/css; charset=utf-8"),
          "view.js": ("view.js", "text/javascript; charset=utf-8"), "icon.svg": ("icon.svg", "image/svg+xml")}
KEEPALIVE_S = 15.0


def asset(name: str) -> bytes:
    """A file of the page, from the package."""
    return resources.files("facilitator.view").joinpath("static", name).read_bytes()


class ViewServer:
    """Serves one session's view until ``close``.

    Args:
        state: what the page shows.
        on_command: called with a button's command ("pause", "resume", "repeat", "break", "stop");
            returns a short answer for the page, or None when it was taken. Runs on a server thread.
    """

    def __init__(self, state: ViewState, on_command: Callable[[str], str | None] | None = None) -> None:
        self.state = state
        self.on_command = on_command
        self.token = secrets.token_urlsafe(24)
        self._changed = threading.Condition()
        self._closing = False
        self._assets = {path: (asset(name), kind) for path, (name, kind) in ASSETS.items()}
        self.httpd = ThreadingHTTPServer((HOST, 0), _handler(self))
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="live-view-server", daemon=True)

    @property
    def url(self) -> str:
        """The page's address, token included."""
        return f"http://{HOST}:{self.port}/{self.token}/"

    def start(self) -> ViewServer:
        """Begin serving (on a daemon thread); returns self."""
        self._thread.start()
        return self

    def notify(self, kind: str = "state") -> None:
        """The state changed: wake the pages' threads (returns at once)."""
        with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        """Stop serving and let the pages' streams end."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._thread.is_alive():  # shutdown() would wait forever for a loop that never ran
            self.httpd.shutdown()
        self.httpd.server_close()

    # --- used by the handler -------------------------------------------------------------------

    def authorised(self, path: str) -> str | None:
        """The rest of ``path`` after a correct token, else None."""
        parts = path.split("?", 1)[0].lstrip("/").split("/", 1)
        if not parts or not hmac.compare_digest(parts[0].encode(), self.token.encode()):
            return None
        return parts[1] if len(parts) > 1 else ""

    def stream(self, write: Callable[[bytes], None]) -> None:
        """Write the state, then each change, as Server-Sent Events until the server closes.

        A change of the breathing position alone goes as a small "clock" event.
        """
        sent = sent_state = -1
        while True:
            version, state_version, data = self.state.snapshot()
            if state_version != sent_state:
                write(b"event: state\ndata: " + json.dumps(data).encode() + b"\n\n")
            elif version != sent and data["breathing"] is not None:
                write(b"event: clock\ndata: " + json.dumps(data["breathing"]["anchor"]).encode() + b"\n\n")
            sent, sent_state = version, state_version
            with self._changed:
                waiting = not self._closing and self.state.version == sent
                quiet = waiting and not self._changed.wait(KEEPALIVE_S)
                if self._closing:
                    return
            if quiet:
                write(b": keep-alive\n\n")  # outside the lock: a stalled page holds up only itself


def _handler(server: ViewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "facilitator-view"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the session's terminal is not the server's log."""

        def _headers(self, status: int, kind: str, length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            if length is not None:
                self.send_header("Content-Length", str(length))
            self.end_headers()

        def _send(self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
            self._headers(status, kind, len(body))
            self.wfile.write(body)

        def _forbidden(self) -> None:
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: this page needs the address the session printed.\n")

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            """The page, its assets, the state, or the event stream."""
            rest = server.authorised(self.path)
            if rest is None:
                self._forbidden()
                return
            if rest in server._assets:
                body, kind = server._assets[rest]
                self._send(HTTPStatus.OK, body, kind)
            elif rest == "state":
                self._send(HTTPStatus.OK, json.dumps(server.state.snapshot()[2]).encode(), "application/json")
            elif rest == "events":
                self.close_connection = True
                self._headers(HTTPStatus.OK, "text/event-stream")
                try:
                    server.stream(self._write)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the page was closed or reloaded: the session goes on
            else:
                self._send(HTTPStatus.NOT_FOUND, b"Not found.\n")

        def _write(self, data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()

        def do_POST(self) -> None:  # noqa: N802
            """A button: ``POST /TOKEN/command`` with ``{"command": "pause"}``."""
            rest = server.authorised(self.path)
            if rest is None:
                self._forbidden()
                return
            length = min(int(self.headers.get("Content-Length") or 0), 1024)
            try:
                command = str(json.loads(self.rfile.read(length) or b"{}").get("command", ""))
            except (ValueError, AttributeError):
                command = ""
            if rest != "command" or server.on_command is None:
                self._send(HTTPStatus.NOT_FOUND, b"Not found.\n")
                return
            answer = server.on_command(command)
            body = json.dumps({"ok": answer is None, "message": answer or ""}).encode()
            self._send(HTTPStatus.OK if answer is None else HTTPStatus.CONFLICT, body, "application/json")

    return Handler
