"""The kernel loader tells a load from numba's cache from a first compilation."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from pilotopt.solve.loader import KernelLoader, _in_cache


@pytest.mark.parametrize("large", [False, True])
def test_a_search_in_the_cache_is_known_as_cached(large: bool) -> None:
    # The session's fixture compiled both searches into the cache.
    loader = KernelLoader(large=large)
    assert loader.ready.wait(300)
    assert loader.known.is_set() and loader.cached


def test_a_function_never_compiled_is_not_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fresh_kernel.py").write_text(
        "from numba import njit\n\n\n@njit(cache=True)\ndef plus_one(x):\n    return x + 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh = importlib.import_module("fresh_kernel")
    assert not _in_cache(fresh.plus_one)
    assert fresh.plus_one(1) == 2
    assert _in_cache(fresh.plus_one)
    assert not _in_cache(object())  # not a dispatcher: cannot be told, so not cached
