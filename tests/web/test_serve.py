"""pilotopt serve: no token on loopback, a printed token elsewhere, the command's options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from pilotopt.cli import main
from pilotopt.web.serve import address, is_loopback, serve


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("127.1.2.3", True), ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False),
])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_address_carries_the_token_when_one_is_needed() -> None:
    assert address("127.0.0.1", 8000, None) == "http://127.0.0.1:8000/"
    assert address("::1", 80, "t") == "http://[::1]:80/?token=t"


def _serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str) -> tuple[list[str], Any]:
    import uvicorn

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    said: list[str] = []
    serve(host, 8123, tmp_path, say=said.append)
    assert started["host"] == host and started["port"] == 8123
    return said, started["app"]


def test_on_loopback_no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    said, app = _serve(monkeypatch, tmp_path, "127.0.0.1")
    assert said[0].endswith("open http://127.0.0.1:8123/") and len(said) == 2
    with TestClient(app) as c:
        assert c.get("/").status_code == 200


def test_elsewhere_a_token_is_printed_and_needed(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    said, app = _serve(monkeypatch, tmp_path, "0.0.0.0")
    token = said[0].split("?token=")[1]
    assert len(token) >= 24 and "token" in said[1]
    with TestClient(app) as c:
        assert c.get("/").status_code == 401
        assert c.get("/", params={"token": token}).status_code == 200


def test_the_command_passes_its_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import pilotopt.web.serve as module

    got: dict[str, Any] = {}
    monkeypatch.setattr(module, "serve", lambda *a, **kw: got.update(args=a))
    done = CliRunner().invoke(main, ["serve", "--port", "9000", "--dir", str(tmp_path),
                                     "--workers", "1"])
    assert done.exit_code == 0, done.output
    assert got["args"] == ("127.0.0.1", 9000, str(tmp_path), 1)
    assert CliRunner().invoke(main, ["serve", "--port", "0"]).exit_code == 2
