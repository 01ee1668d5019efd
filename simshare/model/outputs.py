"""Every output of a replication, declared once (docs/model.md), and the layout of the monthly post snapshot.

:data:`OUTPUTS` is the one table of output variables.  It drives the replication's
:class:`Record` (one field per entry), the worker's arrays (entries with scope
``dataset`` or ``run``) and the result store's netCDF variables (scope ``dataset``).
Adding an output means one entry here and the code in :mod:`simshare.model.replication`
that computes it.

Dims are named after the leading ``(scenario,) replication`` dims: ``time`` (months
0..horizon), ``council`` and ``service`` (config order), ``parameter`` (the replication
parameters; a record holds its own config's, the dataset the union over scenarios).
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass

import numpy as np

#: a variable of the results dataset
DATASET = "dataset"
#: kept per replication by the worker (a run statistic, e.g. for benchmarks), not in the dataset
RUN = "run"
#: in the replication's record only (what tests and diagnostics read), never stored
MODEL = "model"


@dataclass(frozen=True, slots=True)
class Output:
    """One output variable.

    ``dims`` come after ``(scenario,) replication``; ``dtype`` is the numpy dtype code of
    the stored values (``"f8"`` floats with NaN for "never", ``"i2"``/``"i8"`` counts).
    """

    name: str
    dims: tuple[str, ...]
    units: str
    long_name: str
    dtype: str = "f8"
    scope: str = DATASET

    @property
    def integer(self) -> bool:
        return np.dtype(self.dtype).kind in "iu"


_T, _TC, _S, _TCS = ("time",), ("time", "council"), ("service",), ("time", "council", "service")

OUTPUTS: tuple[Output, ...] = (
    Output("savings_run_rate", _T, "£/yr", "recurring savings in force"),
    Output("cumulative_savings", _T, "£", "recurring savings accrued"),
    Output("cumulative_costs", _T, "£", "programme costs accrued"),
    Output("cumulative_net", _T, "£", "savings less costs accrued"),
    Output("reviews_complete", _T, "services", "services whose business case is approved", "i2"),
    Output("services_live", _T, "services", "services live as shared services", "i2"),
    Output("vacancy_rate", _TC, "1", "vacant posts ÷ posts (agency-covered count as vacant)"),
    Output("staffing", _TC, "1", "staffed ÷ required posts"),
    Output("resilience", _TC, "1", "budget-weighted share of services operating safely"),
    Output("agency_cost", _TC, "£", "agency premium accrued"),
    Output("review_start", _S, "months", "month the service's review starts"),
    Output("approved", _S, "months", "month the business case is approved"),
    Output("live", _S, "months", "month the shared service goes live"),
    Output("reviews_complete_month", (), "months", "month the last business case is approved"),
    Output("programme_complete_month", (), "months", "month the last service goes live"),
    Output("dissolved_month", (), "months", "month the partnership dissolves (NaN if it lasts the horizon)"),
    Output("unsafe_months", ("council", "service"), "months", "months the service was not operating safely", "i2"),
    Output("npv", (), "£", "net present value of savings less costs over the horizon"),
    Output("service_savings_run_rate", _T, "£/yr", "the reviews' savings in force (joint management left out)"),
    Output("council_savings_run_rate", _TC, "£/yr", "each council's share of savings in force"),
    Output("council_cumulative_net", _TC, "£", "each council's savings less its share of costs accrued"),
    Output("npv_services", (), "£", "net present value of the reviews alone (joint management left out)"),
    Output("council_npv", ("council",), "£", "each council's net present value (sums to npv)"),
    Output("savings_by_service", ("time", "service"), "£/yr", "each service's savings in force", "f8", MODEL),
    Output("payback_month", (), "months",
           "the reviews' payback: first month from which their cumulative net savings stay ≥ 0 once in deficit "
           "(-inf: never in deficit; NaN: not within the horizon)"),
    Output("inputs", ("parameter",), "see parameter_units", "replication parameters drawn"),
    Output("events", (), "events", "simulation events processed", "i8", RUN),
    Output("filled", _TCS, "posts", "posts filled at the month's end", "i8", MODEL),
    Output("vacant", _TCS, "posts", "posts vacant at the month's end (covered or not)", "i8", MODEL),
    Output("covered", _TCS, "posts", "vacant posts covered by agency staff at the month's end", "i8", MODEL),
    Output("deleted", _TCS, "posts", "posts deleted by the month's end", "i8", MODEL),
    Output("establishment", ("council", "service"), "posts", "posts at the start", "i8", MODEL),
)

#: name -> output, in table order
BY_NAME: dict[str, Output] = {o.name: o for o in OUTPUTS}
#: the results dataset's variables
DATASET_OUTPUTS: tuple[Output, ...] = tuple(o for o in OUTPUTS if o.scope == DATASET)
#: what the worker keeps of each replication (the dataset's variables and run statistics)
COLLECTED_OUTPUTS: tuple[Output, ...] = tuple(o for o in OUTPUTS if o.scope in (DATASET, RUN))

Record = make_dataclass(
    "Record",
    [(o.name, np.ndarray if o.dims else (int if o.integer else float)) for o in OUTPUTS],
    slots=True, kw_only=True,
)
Record.__module__ = __name__
Record.__doc__ = """What one replication returns: one field per entry of :data:`OUTPUTS`, shaped by its dims
(``time`` is the monthly output clock, months 0..horizon)."""


# --------------------------------------------------------------------------- the monthly post snapshot

#: states of a post counted in the snapshot, in order
POST_STATES: tuple[str, ...] = ("filled", "vacant", "covered", "deleted")
#: kinds of post, in order (index 0 ordinary, 1 specialist)
KINDS: tuple[str, ...] = ("ordinary", "specialist")
ORDINARY, SPECIALIST = 0, 1
#: the snapshot's layout: one block per month, holding per state the count of every post
#: group, groups in (council, service, kind) order
SNAPSHOT_DIMS: tuple[str, ...] = ("time", "state", "council", "service", "kind")

