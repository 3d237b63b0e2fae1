"""The logic of ``pilotopt serve``: where to listen, whether a token is needed, and the server.

On a loopback address only this machine can reach the workspace, so no login is asked. Bound to
any other address, every request needs a token drawn at start and printed with the address.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["address", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (``localhost``, 127.0.0.0/8,
    ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def address(host: str, port: int, token: str | None) -> str:
    """The address to open in a browser (with the token when one is needed)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(host: str, port: int, folder: str | Path, workers: int | None = None,
          say: Callable[[str], None] = print) -> None:
    """Serve the workspace on ``folder`` at ``host:port`` until interrupted (Ctrl-C stops a
    running solve, keeping its best)."""
    import uvicorn

    from pilotopt.solve.loader import kernel
    from pilotopt.web.app import create_app

    kernel()  # compiled or loaded in the background while the first page is read
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    app = create_app(folder, token=token, workers=workers)
    say(f"pilotopt workspace in {Path(folder).resolve()}; open {address(host, port, token)}")
    if token:
        say("reachable from other machines: the token in that address is needed")
    say("Ctrl-C stops the server")
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
