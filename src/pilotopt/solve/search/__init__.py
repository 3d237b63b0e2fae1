"""The compiled local searches, by job.

* :mod:`.deltas`: the rules on group counts (GroupSum, NotExactlyOne, Coverage, MaxDeviation):
  their tables and move deltas, written once for both engines;
* :mod:`.encode`: the problem's primitives as flat arrays, for both engines;
* :mod:`.construct`: group sizes and starting assignments;
* :mod:`.tabu`: the dense search (full scans of every move, n x m tables; ``local_search``);
* :mod:`.sampled`: the large search (sampled moves, low-rank scores; ``run``).

A new primitive is written in :mod:`.encode` (each encoder's ``match`` names it) and, if it
is a rule on group counts, in :mod:`.deltas`; else in each engine's pair or unary terms.
"""
