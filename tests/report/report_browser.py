"""Open a page in headless Chromium and report what a person (and the console) would see.

Speaks the DevTools protocol over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out, messages ended
by NUL), so it needs nothing but the standard library and a Chromium binary: no driver that must
match the browser's version. By hand: ``python tests/report/report_browser.py PAGE [PNG]``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chromium-headless-shell")


def find_chromium() -> str | None:
    """The browser to use: $PILOTOPT_CHROMIUM, else the first of :data:`CANDIDATES` on PATH."""
    return os.environ.get("PILOTOPT_CHROMIUM") or next(
        (p for p in map(shutil.which, CANDIDATES) if p), None)


@dataclass
class Visit:
    """What happened while a page loaded: console errors, uncaught exceptions, log errors and
    dialogs (alert, confirm, prompt), and the values of the expressions asked for."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


class Chromium:
    """One headless browser; use as a context manager."""

    def __init__(self, binary: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._next = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._profile = tempfile.TemporaryDirectory(prefix="pilotopt-chromium-")
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()
        # The child must find the protocol pipes at fds 3 and 4; move them out of the way first.
        high = [os.dup2(fd, 100 + k) for k, fd in enumerate((to_child, from_child))]

        def wire() -> None:
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        args = [binary, "--headless", "--remote-debugging-pipe", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--hide-scrollbars",
                f"--user-data-dir={self._profile.name}", "about:blank"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen(args, preexec_fn=wire, pass_fds=(3, 4, *high),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in (to_child, from_child, *high):
            os.close(fd)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):  # the browser may be gone already
            self._send("Browser.close")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)
        self._profile.cleanup()

    def _send(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> int:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._write, json.dumps(msg).encode() + b"\0")
        return self._next

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise ConnectionError("Chromium closed the protocol pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send a command and wait for its answer, keeping the events that come before it."""
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._receive(deadline)
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            self._keep(msg)

    def _keep(self, msg: dict[str, Any]) -> None:
        """Keep an event; dismiss a dialog at once, since it blocks the page until answered."""
        if "method" not in msg:
            return
        self._events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":
            self._send("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))

    def _wait_for(self, method: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not any(e["method"] == method for e in self._events):
            self._keep(self._receive(deadline))

    def visit(self, url: str, expressions: dict[str, str] | None = None,
              screenshot: Path | None = None, size: tuple[int, int] = (1280, 1600),
              media: str = "") -> Visit:
        """Load ``url``, evaluate ``expressions`` (name -> JavaScript) once it has loaded, save a
        PNG screenshot of the first screen, and say what went wrong on the way. ``media``
        ``"print"`` lays the page out as for printing."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=session)
        self.call("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1],
                  "deviceScaleFactor": 1, "mobile": False}, session)
        self.call("Emulation.setEmulatedMedia", {"media": media}, session)
        self._events.clear()
        self.call("Page.navigate", {"url": url}, session)
        visit = Visit()
        self._wait_for("Page.loadEventFired")
        for name, expression in (expressions or {}).items():
            answer = self.call("Runtime.evaluate",
                               {"expression": expression, "returnByValue": True}, session)
            visit.values[name] = answer["result"].get("value")
        if screenshot is not None:
            png = self.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
            screenshot.write_bytes(base64.b64decode(png))
        for e in self._events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                visit.errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                             for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                details = p["exceptionDetails"]
                visit.errors.append(str(details.get("exception", {}).get("description")
                                        or details.get("text")))
            elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                visit.errors.append(str(p["entry"].get("text")))
            elif e["method"] == "Page.javascriptDialogOpening":
                visit.dialogs.append(f"{p.get('type')}: {p.get('message')}")
        self.call("Target.closeTarget", {"targetId": target})
        return visit


def main(argv: list[str]) -> int:
    """Open a page and print what went wrong; exit 1 if anything did."""
    binary = find_chromium()
    if binary is None:
        print("no Chromium found (set PILOTOPT_CHROMIUM or install chromium)")
        return 2
    page = Path(argv[0]).resolve()
    with Chromium(binary) as browser:
        visit = browser.visit(page.as_uri(), {"cards": "document.querySelectorAll("
                                              "'[data-group]').length"},
                              Path(argv[1]) if len(argv) > 1 else None)
    print(json.dumps(visit.__dict__, indent=2))
    return 1 if visit.errors or visit.dialogs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
