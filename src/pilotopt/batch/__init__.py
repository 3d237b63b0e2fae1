"""Batch runs: a plan of instances x configurations x seeds (:mod:`.plan`), each cell run on a
Dask worker (:mod:`.cells`, :mod:`.runner`) and stored in the run store (:mod:`pilotopt.store`);
baselines to compare with (:mod:`.baselines`)."""
