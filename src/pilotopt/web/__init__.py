"""``pilotopt serve``: a local web workspace to upload a roster and a scenario (or open the
demo), solve with live progress, move organisations between groups and see the exact new score
(:class:`~pilotopt.moves.WhatIf`), lock, undo, compare runs and download the results.

:mod:`.workspace` holds the state, :mod:`.views` what the page shows, :mod:`.app` the FastAPI
app (:func:`create_app`), :mod:`.serve` the command's logic.
"""

from pilotopt.web.app import create_app

__all__ = ["create_app"]
