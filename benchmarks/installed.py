"""What the benchmark scripts share about the machine they measure: pilotopt as installed for
users (every module's bytecode compiled, :func:`compile_bytecode`) and a busy machine
(:func:`busy`).

``pip install .`` compiles each module once; an editable install under ``PYTHONDONTWRITEBYTECODE``
(as on the project's machines) would compile pilotopt's sources again in every process, up to
0.4 s of a 3 s limit that no installed run pays. :func:`compile_bytecode` writes the bytecode
beside the sources, untimed, as the numba cache is built before any timed run.
"""

from __future__ import annotations

import compileall
import contextlib
import importlib.util
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path


def compile_bytecode() -> None:
    """Write the bytecode of every pilotopt module (nothing when it is up to date)."""
    spec = importlib.util.find_spec("pilotopt")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pilotopt is not installed (pip install -e .)")
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(Path(folder), quiet=1)


def _spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def busy(on: bool = True) -> Iterator[None]:
    """With ``on``, every core but one spins in a process of its own until the block ends."""
    spinners = [multiprocessing.Process(target=_spin, daemon=True)
                for _ in range(max(1, (os.cpu_count() or 2) - 1) if on else 0)]
    for p in spinners:
        p.start()
    try:
        yield
    finally:
        for p in spinners:
            p.terminate()
