"""Distribution tables: parsing and checking, inverse CDFs (scipy), exact quantiles, fast draws (numpy)
and rank correlation.

A parameter in a config is a plain number or a table such as
``{dist = "pert", min = 4, mode = 6, max = 12}``.  Tables become :class:`Dist` objects
(:mod:`.tables`, :mod:`.parsing`).  Replication parameters are drawn by inverse CDF
(:func:`ppf`, :mod:`.inverse`) from uniforms, so that Monte Carlo, Latin hypercube and Sobol
designs and the Gaussian copula (:mod:`.correlation`) all share one path.  Occurrence
durations are drawn in bulk from a numpy ``Generator`` during a replication (:mod:`.occurrence`).
"""

from .correlation import (
    GROSS_CHANGE,
    PSD_TOLERANCE,
    REPORTED_CHANGE,
    CorrelationError,
    CorrelationFit,
    copula_factor,
    correlate_uniforms,
    fit_correlations,
    iman_conover,
    nearest_correlation,
    pearson_to_spearman,
    spearman_to_pearson,
)
from .inverse import cdf, mean, ppf, quantile, truncated_standard_normal_mean, truncated_standard_normal_ppf
from .occurrence import Sampler, draw
from .parsing import parse_dist
from .tables import (
    BETA_MAX,
    BETA_MIN,
    FAMILIES,
    HUGE,
    MAX_LAMBDA,
    MAX_TAIL_SD,
    SMALLEST,
    STEP_TOLERANCE,
    TINY,
    U_MAX,
    U_MIN,
    Dist,
    DistError,
    bounds,
)

__all__ = [
    "BETA_MAX", "BETA_MIN", "FAMILIES", "GROSS_CHANGE", "HUGE", "MAX_LAMBDA", "MAX_TAIL_SD", "PSD_TOLERANCE",
    "REPORTED_CHANGE", "SMALLEST", "STEP_TOLERANCE", "TINY", "U_MAX", "U_MIN", "CorrelationError", "CorrelationFit",
    "Dist", "DistError", "Sampler", "bounds", "cdf", "copula_factor", "correlate_uniforms", "draw",
    "fit_correlations", "iman_conover", "mean", "nearest_correlation", "parse_dist", "pearson_to_spearman", "ppf",
    "quantile", "spearman_to_pearson", "truncated_standard_normal_mean", "truncated_standard_normal_ppf",
]
