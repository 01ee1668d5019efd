"""The board report: one self-contained HTML page from a results dataset (``simshare report``).

The page needs nothing but a browser: the figures are embedded as PNG images (base64 ``data:``
URIs), the styles are inline, there is no script, no web font and no link to anything outside the
file. It holds, in order: a headline sentence in plain words, the summary table (P10/P50/P80/P90 and
mean with their Monte Carlo error), the comparison with the status quo or between scenarios when the
results hold them, every figure of :func:`simshare.interface.plots.figures_for` with one line on how
to read it, the assumptions (the config as simulated) and the provenance (seed, version, dates,
replications, sampling) with the command that reproduces the run.

    from simshare.interface.report import write_report
    write_report(ds, "results/chiltern_south_bucks/report.html")

Modules: :mod:`.page` (the page and the file), :mod:`.headline`, :mod:`.tables`, :mod:`.assumptions`
and :mod:`.markup`.
"""

from .assumptions import describe_value
from .headline import headline
from .page import CAPTIONS, render_report, write_report

__all__ = ["write_report", "render_report", "headline", "CAPTIONS", "describe_value"]
