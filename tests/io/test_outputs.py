"""JSON documents: indented when small, a top-level key per line when large; either way the
same values."""

from __future__ import annotations

import json

import pytest

from pilotopt.io import outputs
from pilotopt.io.outputs import json_text, write_outputs


def test_small_documents_are_indented_and_large_ones_a_key_per_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = {"organisations": [{"id": "se01", "ties": [1, 2]}], "count": 1}
    small = json_text(doc)
    assert small == json.dumps(doc, indent=2) + "\n" and json.loads(small) == doc
    monkeypatch.setattr(outputs, "LARGE_JSON", 10)
    large = json_text(doc)
    assert large == ('{\n  "organisations": [{"id": "se01", "ties": [1, 2]}],\n'
                     '  "count": 1\n}\n')
    assert json.loads(large) == doc
    (written,) = write_outputs(tmp_path, {"explain.json": doc})
    assert written.read_text(encoding="utf-8") == large
