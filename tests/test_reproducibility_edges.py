"""Bit-identity over a correlated config × workers × chunk sizes (issue 12, kind 16's tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simshare import simulate

ROOT = Path(__file__).resolve().parents[1]
CORRELATED = str(ROOT / "configs" / "chiltern_south_bucks.toml")
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
