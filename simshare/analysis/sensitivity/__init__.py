"""Sensitivity: which uncertainties drive an output (``simshare sensitivity``).

:func:`sensitivity` screens first: one ordinary run ranks every replication parameter by rank
correlation with the output (:mod:`.screen`), and the chosen method studies the top k (default 15),
so that even a config with 200 uncertain parameters costs a few ordinary runs, not hundreds.

Five tools, cheapest first:

* :func:`rank_correlations` reads any run's ``inputs``: Spearman rank correlation of each
  replication parameter with the output, standardised regression coefficients (SRC, on
  values) and rank regression coefficients (SRRC), with the R² of each regression (an SRC
  only apportions the variance when R² is near 1). No extra runs.
* :func:`tornado` holds one parameter at a time at its P10 and at its P90, the rest random,
  under common random numbers, and reports the swing in the output's P50 and mean.
* :func:`morris` (elementary effects, screening) and :func:`sobol` (first and total-order
  variance shares, Saltelli sampling) via SALib, over all parameters or a chosen subset.
* Time-resolved indices: every method also explains the savings run-rate and the mean
  resilience over councils at each programme year (months 12, 24, ... up to the horizon),
  on a ``year`` dim: what drives year-1 risk versus year-5 risk.
* :func:`switching_value` (Green Book): the value of a parameter at which P50 NPV crosses
  zero, or P(savings target met) crosses 50 %.

Modules: :mod:`.catalogue` (outputs, parameters, units), :mod:`.experiments` (holding parameters,
batched runs), :mod:`.rank`, :mod:`.screen` (the top k from one run), :mod:`.tornado`, :mod:`.salib`
(indices of any callable; SALib's warnings as one sentence), :mod:`.designs` (Morris and Sobol on the
simulator), :mod:`.switching`, :mod:`.studies` (one call for a method, screen, rank correlations and
switching values; the files, one set per method), :mod:`.caveats` and :mod:`.text`.

Conventions
-----------
* Output variables are the summary rows (:func:`simshare.analysis.results.outcomes`:
  ``npv``, ``programme_complete_month``, ``lowest_resilience[C]``, ...) and
  ``savings_run_rate@M``, ``cumulative_net@M``, ``resilience@M`` (mean over councils) at a
  month M; see :func:`output_variables`.
* Month outputs store NaN for "not reached within the horizon". Percentiles and ranks read
  NaN as +inf (later than every month), as the board summary does; a mean with any NaN is
  undefined (NaN). Regressions on values (SRC) leave those replications out, and Morris and
  Sobol, which need finite numbers, censor them at the horizon.
* SALib's methods assume independent inputs: the sampled parameters are varied
  independently and the config's correlations are not imposed on them. Unsampled
  parameters keep their Monte Carlo values (correlations among them honoured).
"""


from .catalogue import add_units, check_variable, output_values, output_variables, select_parameters
from .caveats import caveats
from .designs import Design, morris, sobol, sobol_base_samples
from .experiments import base_config, fixed_config, marginal_quantiles
from .rank import rank_correlations, rank_correlations_by_year, rank_table
from .salib import morris_indices, sobol_indices
from .screen import DEFAULT_TOP, SCREEN_REPLICATIONS, Screen, screen_from
from .studies import DEFAULT_SIZE, Study, output_stem, sensitivity, study, study_dataset, switching_values, write_study
from .switching import CRITERIA, switching_value
from .text import format_study
from .tornado import tornado

__all__ = [
    "sensitivity", "study", "Study", "rank_correlations", "rank_correlations_by_year", "rank_table", "tornado",
    "morris", "sobol", "morris_indices", "sobol_indices", "switching_value", "switching_values", "CRITERIA",
    "output_variables", "output_values", "check_variable", "select_parameters", "marginal_quantiles",
    "fixed_config", "base_config", "Design", "study_dataset", "write_study", "format_study",
    "Screen", "screen_from", "DEFAULT_TOP", "SCREEN_REPLICATIONS", "DEFAULT_SIZE", "output_stem", "caveats",
    "add_units", "sobol_base_samples",
]
