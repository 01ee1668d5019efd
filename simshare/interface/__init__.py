"""The interface: the ``simshare`` command line (:mod:`.cli`, one module per command under
:mod:`.commands`), the figures (:mod:`.plots`) and the board report (:mod:`.report`).

The top layer: it reads results and calls the same public functions a user calls
(``simshare.simulate``, ``compare``, ``sweep``, ``sensitivity``, ``summarise``); nothing below
imports it.
"""
