"""Analysis: reading, summarising and running experiments on results.

:mod:`.results` (readers of a results dataset), :mod:`.statistics` (Monte Carlo error),
:mod:`.precision` (precision targets, the engine's stop rule), :mod:`.run` (the public
``simulate``), :mod:`.summary`, :mod:`.compare`, :mod:`.sweep` and :mod:`.sensitivity`.
"""
