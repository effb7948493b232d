"""After a rerun: what moved and why, the history of runs, and progress to the plan's targets.

- :mod:`~coventry_geo.progress.history`: every run appends one row to ``history.csv``
  (run id, date, input hashes, city headline values) and keeps its ward table in
  ``history/<run id>.csv``; both are carried into each new output folder.
- :mod:`~coventry_geo.progress.compare`: compares two runs (output folders or run
  ids of a history) ward by ward: ``changes.csv``, ``changes.html`` and a summary.
- :mod:`~coventry_geo.progress.targets`: the manifest's ``[targets]``, each
  indicator's straight-line trajectory from its baseline to its target, and
  ``progress.csv`` / ``progress.png``.
"""
