"""Run benchmarks against pilotopt as installed for users: every module's bytecode compiled.

``pip install .`` compiles each module once; an editable install under ``PYTHONDONTWRITEBYTECODE``
(as on the project's machines) would compile pilotopt's sources again in every process, up to
0.4 s of a 3 s limit that no installed run pays. :func:`compile_bytecode` writes the bytecode
beside the sources, untimed, as the numba cache is built before any timed run.
"""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path


def compile_bytecode() -> None:
    """Write the bytecode of every pilotopt module (nothing when it is up to date)."""
    spec = importlib.util.find_spec("pilotopt")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pilotopt is not installed (pip install -e .)")
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(Path(folder), quiet=1)
