"""The report as a PDF, printed by headless Chromium from the HTML report (its print style sheet
puts each group on its own A4 page).

Chromium runs with every network feature off and a fresh profile, so printing needs no network
and leaves nothing behind; the PDF is written whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pilotopt.io.outputs import atomic_write

__all__ = ["BROWSERS", "PdfError", "chromium", "find_chromium", "write_pdf"]

#: Browsers tried in this order on PATH (``PILOTOPT_CHROMIUM`` names one explicitly).
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Seconds Chromium may take to print.
TIMEOUT = 120

_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-extensions", "--no-pdf-header-footer")


class PdfError(RuntimeError):
    """No browser to print with, or it failed; the message says what to do."""


def find_chromium() -> str | None:
    """The browser to print with: ``$PILOTOPT_CHROMIUM``, else the first of :data:`BROWSERS`."""
    given = os.environ.get("PILOTOPT_CHROMIUM")
    if given:
        return given if shutil.which(given) else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def chromium() -> str:
    """The browser to print with; raises :class:`PdfError` saying how to get one if none."""
    browser = find_chromium()
    if browser is None:
        raise PdfError("--pdf needs Chromium, which is not installed (on Debian or Ubuntu: "
                       "apt-get install chromium; or set PILOTOPT_CHROMIUM to a Chromium or "
                       "Chrome binary); the HTML report prints to PDF from any browser too")
    return browser


def write_pdf(path: str | Path, html: str) -> Path:
    """Print the HTML page ``html`` to the PDF ``path``; returns the path.

    Raises
    ------
    PdfError
        When no Chromium is installed, or it fails or takes longer than :data:`TIMEOUT` s.
    """
    browser = chromium()
    out = Path(path)
    with tempfile.TemporaryDirectory(prefix="pilotopt-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [browser, *_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                   f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not print the report within {TIMEOUT} s") from None
        except OSError as exc:
            raise PdfError(f"Chromium could not start ({browser}): {exc}") from None
        if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise PdfError(f"Chromium failed to print the report (exit {done.returncode}): "
                           f"{last}")
        atomic_write(out, pdf.read_bytes())
    return out
