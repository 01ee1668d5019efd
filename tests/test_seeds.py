"""Streams built from the assembled entropy words are numpy's own SeedSequence children, bit for bit."""

from __future__ import annotations

import zlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simshare.seeds import MECHANISMS, child, replication_seed, stream

_NAMES = st.lists(st.text(min_size=0, max_size=12), min_size=0, max_size=3)
_INTS = st.one_of(st.integers(0, 3), st.integers(0, 2**32 + 5), st.integers(0, 2**200))


def _reference(ss: np.random.SeedSequence, mechanism: str, names: list[str]) -> np.random.SeedSequence:
    key = (*ss.spawn_key, MECHANISMS[mechanism], *(zlib.crc32(n.encode("utf-8")) for n in names))
    return np.random.SeedSequence(ss.entropy, spawn_key=key, pool_size=ss.pool_size)


@settings(max_examples=300, deadline=None)
@given(seed=_INTS, spawn=st.lists(_INTS, min_size=0, max_size=3), mechanism=st.sampled_from(sorted(MECHANISMS)),
       names=_NAMES, pool=st.sampled_from([4, 4, 4, 8]))
def test_child_state_is_numpys(seed, spawn, mechanism, names, pool):
    ss = np.random.SeedSequence(seed, spawn_key=tuple(spawn), pool_size=pool)
    want = _reference(ss, mechanism, names)
    got = child(ss, mechanism, *names)
    np.testing.assert_array_equal(got.generate_state(8, np.uint64), want.generate_state(8, np.uint64))
    a = stream(ss, mechanism, *names)
    b = np.random.Generator(np.random.PCG64(want))
    assert a.bit_generator.state == b.bit_generator.state


def test_replication_streams_table():
    for seed in (0, 1, 2**32 - 1, 2**32, 2**64 + 7):
        for i in (0, 1, 2**32 + 3):
            ss = replication_seed(seed, i)
            for mechanism, names in (("workforce", ("A", "Planning", "ordinary")), ("dissolution", ()),
                                     ("parameters", ())):
                want = _reference(ss, mechanism, list(names))
                np.testing.assert_array_equal(child(ss, mechanism, *names).generate_state(4), want.generate_state(4))
