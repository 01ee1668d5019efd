"""Progress lines: plain lines off a terminal, one bar over several runs, a total that grows."""
import io

from simshare.engine.progress import Progress, as_progress
from simshare import simulate

from conftest import MINIMAL


def test_plain_lines_without_carriage_returns():
    out = io.StringIO()
    with Progress(10, "replications", stream=out, interval=0.0) as bar:
        for _ in range(10):
            bar.update()
    text = out.getvalue()
    assert "\r" not in text
    lines = text.strip().splitlines()
    assert lines[-1].startswith("replications: 10/10 reps (100 %)")
    assert "to go" in lines[0]


def test_disabled_writes_nothing():
    out = io.StringIO()
    with Progress(5, "x", enabled=False, stream=out) as bar:
        bar.update(5)
    assert out.getvalue() == ""


def test_outer_bar_spans_runs_and_grows():
    out = io.StringIO()
    outer = Progress(0, "sweep", stream=out, interval=1e9)
    bar, own = as_progress(outer, 20)
    assert not own and bar is outer and outer.total == 20
    simulate(MINIMAL, replications=20, seed=3, progress=outer)
    simulate(MINIMAL, replications=20, seed=4, progress=outer)
    assert outer.done == 40 and outer.total == 40
    outer.close()
    assert out.getvalue().strip() .startswith("sweep: 40/40 reps")
