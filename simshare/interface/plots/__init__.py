"""Pictures for a programme board: each function takes results and returns a matplotlib Figure.

Every function builds a :class:`matplotlib.figure.Figure` directly: nothing here touches
pyplot's global state (no ``plt.figure``, no ``show``), so the figures are safe in scripts,
servers, tests and notebooks alike, with any backend or none. Save one with
``fig.savefig("fan.png")``; in a notebook ``%matplotlib inline`` (or ``display(fig)``) shows it.

=========================  ==================================================================
``fan_chart``              savings run-rate or cumulative net savings over time: P10–P90 and
                           P25–P75 bands, the median, the savings target
``completion_scurves``     S-curves (empirical CDFs) of the reviews-complete and
                           programme-complete dates, with the target (and a plan) marked
``resilience_chart``       resilience or vacancy rate per council over time, with the status
                           quo overlaid when the results hold one
``milestone_chart``        per service in phasing order: P10–P90 of the approval and go-live dates
``council_chart``          each partner council's NPV and cumulative net savings: who pays, who gains
``tornado_chart``          a tornado (simshare.analysis.sensitivity.tornado) as a tornado
``sobol_chart``            Sobol indices (simshare.analysis.sensitivity.sobol) as bars
``scenario_chart``         P50 NPV against P80 completion, one labelled point per scenario
``sweep_heatmap``          one statistic of one output over a sweep: heatmap (two swept
                           parameters) or line (one)
``figures_for``            the figures that fit a dataset, by name (what the report shows)
=========================  ==================================================================

Money is shown as £1.2m / £600k, months as calendar dates (from the ``date`` coordinate or the
``start`` attribute). Month outcomes that are NaN ("not reached within the horizon") count as
later than every month, as in the summary table.

Modules: :mod:`.style` (colours, labels, formatters), :mod:`.data` (what a figure reads: the
timeline, statistics), :mod:`.fans` (fan charts, S-curves), :mod:`.resilience`, :mod:`.milestones`, :mod:`.councils`,
:mod:`.sensitivity` (tornado, Sobol), :mod:`.scenarios`, :mod:`.sweeps` and :mod:`.figures`.
"""

from ...config import STATUS_QUO
from .councils import council_chart
from .fans import completion_scurves, fan_chart
from .figures import figures_for
from .milestones import milestone_chart, phasing_order
from .resilience import resilience_chart
from .scenarios import scenario_chart
from .sensitivity import parameter_label, sobol_chart, tornado_chart
from .style import money_formatter
from .sweeps import sweep_heatmap

__all__ = [
    "fan_chart",
    "completion_scurves",
    "resilience_chart",
    "milestone_chart",
    "council_chart",
    "tornado_chart",
    "sobol_chart",
    "scenario_chart",
    "sweep_heatmap",
    "figures_for",
    "phasing_order",
    "parameter_label",
    "money_formatter",
    "STATUS_QUO",
]
