"""Reader and writer of MDGPLIB instances (maximally diverse grouping problem).

File format (Gallego et al. 2013, as distributed in MDGPLIB)::

    n m ds|ss a_1 b_1 a_2 b_2 ... a_m b_m
    i j d_ij          <- one line per unordered pair i < j, 0-based, n(n-1)/2 lines

``d_ij`` are reals with at most three decimals; they are multiplied by :data:`SCALE` and rounded,
which is exact. The group size bounds ``a_g <= |g| <= b_g`` become one hard unit-weight
:class:`~pilotopt.problem.GroupSum`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pilotopt.problem import SCALE, GroupSum, Problem, RuleInfo

__all__ = ["is_mdgplib", "read_mdgplib", "write_mdgplib"]


def is_mdgplib(path: str | Path) -> bool:
    """Whether a file starts like an MDGPLIB instance (``n m ds|ss a_1 b_1 ...``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.readline().split()
    except (OSError, UnicodeDecodeError):
        return False
    return (len(head) >= 5 and head[2] in ("ds", "ss")
            and all(t.isdigit() for t in head[:2] + head[3:]))


def _bad_line(path: Path, text: str, expected: int) -> ValueError:
    """Locate the first pair line that is not ``i j d`` (slow path, only on error)."""
    lines = text.splitlines()
    for k, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            return ValueError(f"{path}:{k}: expected 'i j d_ij', got {line.strip()!r}")
        try:
            int(parts[0]), int(parts[1]), float(parts[2])
        except ValueError:
            return ValueError(f"{path}:{k}: not numbers: {line.strip()!r}")
    count = sum(1 for line in lines[1:] if line.strip())
    return ValueError(
        f"{path}:{len(lines)}: expected {expected} pair lines (n(n-1)/2), found {count}"
    )


def read_mdgplib(path: str | Path) -> Problem:
    """Read an MDGPLIB instance file into a :class:`Problem`.

    Organisations are named ``"0".."n-1"``, groups ``"G1".."Gm"``. Raises ``ValueError`` naming
    the file and line when the header or a pair line is malformed, a pair is out of range or
    repeated, or the number of pair lines is not ``n(n-1)/2``.
    """
    path = Path(path)
    text = path.read_text()
    header, _, rest = text.partition("\n")
    tokens = header.split()
    try:
        n, m = int(tokens[0]), int(tokens[1])
        kind = tokens[2]
        bounds = np.array([int(t) for t in tokens[3:]], dtype=np.int64)
    except (IndexError, ValueError):
        raise ValueError(f"{path}:1: bad header {header.strip()!r}") from None
    if n < 1 or m < 1 or kind not in ("ds", "ss") or bounds.shape != (2 * m,):
        raise ValueError(
            f"{path}:1: header must be 'n m ds|ss a_1 b_1 ... a_m b_m', got {header.strip()!r}"
        )
    lo, hi = bounds[0::2].copy(), bounds[1::2].copy()
    if np.any(lo > hi) or np.any(lo < 0):
        raise ValueError(f"{path}:1: a group's lower size bound exceeds its upper bound")

    expected = n * (n - 1) // 2
    # Fast path: one C-level split of the whole body instead of a Python loop over ~115k lines.
    try:
        values = np.array(rest.split(), dtype=np.float64)
    except ValueError:
        raise _bad_line(path, text, expected) from None
    if values.size != 3 * expected:
        raise _bad_line(path, text, expected)
    triples = values.reshape(expected, 3)
    ii, jj = triples[:, 0].astype(np.int64), triples[:, 1].astype(np.int64)
    bad = (ii != triples[:, 0]) | (jj != triples[:, 1]) | (ii < 0) | (jj >= n) | (ii >= jj)
    if np.any(bad):
        k = int(np.argmax(bad))
        pair = f"({triples[k, 0]:g}, {triples[k, 1]:g})"
        raise ValueError(f"{path}:{k + 2}: pair {pair} is not i < j < n")
    score = np.zeros((n, n), dtype=np.int64)
    score[ii, jj] = np.rint(triples[:, 2] * SCALE).astype(np.int64)
    # n(n-1)/2 distinct pairs i < j are then exactly all pairs; report the first repeat.
    _, first = np.unique(ii * n + jj, return_index=True)
    if first.size != expected:
        repeat = np.ones(expected, dtype=bool)
        repeat[first] = False
        k = int(np.argmax(repeat))
        raise ValueError(f"{path}:{k + 2}: pair ({ii[k]}, {jj[k]}) appears more than once")
    score = score + score.T

    rule = RuleInfo(
        id="groups.size", kind="size", label="size per group (MDGPLIB bounds)", hard=True
    )
    size = GroupSum(rule=0, w=np.ones(n, dtype=np.int64), lo=lo, hi=hi, hard=True)
    ids = tuple(str(i) for i in range(n))
    return Problem(
        ids=ids,
        names=ids,
        group_names=tuple(f"G{g + 1}" for g in range(m)),
        score=score,
        rules=(rule,),
        primitives=(size,),
        source={"format": "mdgplib", "path": str(path)},
    )


def write_mdgplib(problem: Problem, path: str | Path) -> None:
    """Write ``problem`` in MDGPLIB format (scores and hard size bounds; other rules are lost).

    Scores are divided by :data:`SCALE` and written with three decimals, so reading the file back
    gives the same integer scores.
    """
    n, m = problem.n, problem.m
    lo, hi = problem.size_bounds()
    kind = "ss" if np.all(lo == hi) else "ds"
    header = f"{n} {m} {kind} " + "".join(f"{a} {b} " for a, b in zip(lo, hi, strict=True))
    ii, jj = np.triu_indices(n, 1)
    d = problem.score[ii, jj]
    # Integer arithmetic keeps the three decimals exact (no float formatting round-off).
    sign = np.where(d < 0, "-", "")
    body = [
        f"{i} {j} {s}{q}.{r:03d}"
        for i, j, s, q, r in zip(
            ii.tolist(), jj.tolist(), sign.tolist(),
            (np.abs(d) // SCALE).tolist(), (np.abs(d) % SCALE).tolist(), strict=True,
        )
    ]
    Path(path).write_text(header + "\n" + "\n".join(body) + ("\n" if body else ""))
