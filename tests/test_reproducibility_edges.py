"""Bit-identity over a correlated config × workers × chunk sizes (issue 12, kind 16's tests), and
whatever BLAS's thread count."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import simshare
from simshare import simulate
from simshare.model.replication import run_replication
from simshare.seeds import replication_seed

from conftest import CSB, council, service, small_config

CORRELATED = str(CSB)
N = 12


@pytest.fixture(scope="module")
def reference():
    return simulate(CORRELATED, N, seed=3, workers=1).load()


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("chunk", [1, 2, 7, None])
def test_bit_identical(reference, workers, chunk):
    if workers == 1 and chunk is None:
        pytest.skip("the reference itself")
    ds = simulate(CORRELATED, N, seed=3, workers=workers, chunk_size=chunk).load()
    for name in reference.data_vars:
        np.testing.assert_array_equal(ds[name].values, reference[name].values, err_msg=name)


# thousands of agency windows and savings flows a replication: sums long enough for BLAS to split them
AGENCY_HEAVY = small_config(
    [service("S", budget={"A": 1_000_000}, posts={"A": 100}, review=6, implementation=12)],
    councils=[council("A", turnover_annual=5, agency_cover=1)], horizon=200, name="agency heavy")


@pytest.mark.parametrize("source", [AGENCY_HEAVY, CSB], ids=["agency-heavy", "chiltern"])
def test_money_does_not_depend_on_blas_threads(source):
    """The money's sums are added in a fixed order, never by a matrix product: a replication is the
    same with one BLAS thread (as the run's workers use) or several (as a user's own process may),
    and the same as the run's."""
    cfg = simshare.load_config(source)
    ds = simulate(cfg, 2, seed=5, workers=1).load()
    for threads in (1, 4, None):
        with threadpool_limits(limits=threads, user_api="blas"):
            record = run_replication(cfg, replication_seed(5, 1))
        for name in ("agency_cost", "council_savings_run_rate", "council_cumulative_net", "council_npv",
                     "cumulative_net", "npv"):
            np.testing.assert_array_equal(getattr(record, name), ds[name].values[1], err_msg=f"{name}, {threads} threads")
