"""simshare.interface.report: the self-contained board report, its structure, and a real headless browser opening it."""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import simshare
from simshare.interface import plots
from simshare.interface.cli import main
from simshare.interface.report import headline, write_report

from conftest import CSB, MINIMAL
PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def results() -> xr.Dataset:
    """A small run of the Chiltern and South Bucks programme with the status quo."""
    return simshare.simulate(CSB, replications=20, seed=4, baseline=True)


@pytest.fixture(scope="module")
def report(results, tmp_path_factory) -> Path:
    return write_report(results, tmp_path_factory.mktemp("report") / "report.html")


def nonblank_png(data: bytes) -> bool:
    """A PNG that decodes and is not a single colour."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        rgb = image.convert("RGB")
        extrema = rgb.getextrema()
        return rgb.width > 50 and rgb.height > 50 and any(lo != hi for lo, hi in extrema)


# --------------------------------------------------------------------------- structure


def test_structure(results, report):
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    # the headline, in plain words
    line = re.search(r'<p class="headline">(.*?)</p>', text, re.S).group(1)
    assert re.match(r"(An? \d+ % chance|Less than a 1 % chance|None of|Every one of)", line), line
    assert "£1.24m a year by October 2016" in line
    assert "in half of the simulated futures" in line
    assert "net present value" in line
    # the summary table, with dates as calendar months and money in £
    table = re.search(r'<table class="summary" id="summary-table">(.*?)</table>', text, re.S).group(1)
    for head in ("P10", "P50", "P80", "P90", "mean"):
        assert f">{head}</th>" in table
    assert "Net present value (NPV)" in table and "Programme complete" in table
    assert re.search(r"£\d+(\.\d+)?m", table)
    assert re.search(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d", table)
    assert "Chance that the reviews" in text  # the target is compared with the reviews' own run-rate
    assert "Chance that every partner comes out ahead" in text
    assert 'id="baseline-table"' in text  # the status quo is in the results
    # one embedded image per figure, each with a line on how to read it
    figures = plots.figures_for(results)
    images = PNG.findall(text)
    # the reviews' run-rate, the total, net, completion, milestones, each council, resilience, vacancy
    assert len(images) == len(figures) == len(re.findall(r"<figure ", text)) == 8
    assert len(re.findall(r"<figcaption>[^<]{40,}</figcaption>", text)) == len(figures)
    for data in images:
        assert nonblank_png(base64.b64decode(data))
    # the assumptions, HTML-escaped, in a <pre>
    pre = re.search(r'<pre id="config">(.*?)</pre>', text, re.S).group(1)
    assert pre == html.escape(results.attrs["config"], quote=True)
    assert 'id="key-assumptions"' in text
    # provenance
    prov = re.search(r'<section id="provenance">(.*?)</section>', text, re.S).group(1)
    for word in ("Seed", "Replications", "Sampling", "simshare version", "Results created", "Report created"):
        assert word in prov
    assert f"<dd>{results.attrs['seed']}</dd>" in prov
    assert f"<dd>{simshare.__version__}</dd>" in prov
    assert results.attrs["created"] in prov
    assert "simshare run CONFIG -n 20 --seed 4 --baseline" in prov


def test_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    references = re.findall(r"""\b(?:src|href|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)""", text)
    assert references and all(ref.startswith(("data:", "#")) for ref in references), "a reference outside the page"
    for banned in ("<link", "<script", "<iframe", "@import", "url("):
        assert banned not in text.lower()


def test_escaping(results, tmp_path):
    ds = results.copy()
    ds.attrs = dict(results.attrs, config=results.attrs["config"] + '\n# <script>alert("x")</script> & co',
                    config_name="A & B <shared>")
    text = write_report(ds, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in text
    assert "<h1>A &amp; B &lt;shared&gt;</h1>" in text


def test_headline_words(results):
    quo_free = results.isel(scenario=0)
    words = headline(quo_free)
    # the same words, and with the status quo in the results each resilience figure beside its status quo's
    assert words.split(" At its lowest month")[0] == headline(results).split(" At its lowest month")[0]
    assert "with no programme" in headline(results) and "with no programme" not in words
    # a target nobody reaches, and one everybody reaches
    never = quo_free.assign_attrs(savings_target=1e12)
    assert headline(never).startswith("None of the 20 simulated futures reaches £1000000m a year")
    always = quo_free.assign_attrs(savings_target=1.0)
    assert headline(always).startswith("Every one of the 20 simulated futures reaches £1 a year")
    no_target = quo_free.copy()
    no_target.attrs = {k: v for k, v in quo_free.attrs.items() if k != "savings_target"}
    assert headline(no_target).startswith("The programme finishes by ")


def test_scenarios_and_sweeps(tmp_path, planning_scenarios):
    from simshare.analysis.sweep import sweep

    text = write_report(planning_scenarios, tmp_path / "compare.html").read_text(encoding="utf-8")
    assert 'id="scenario-table"' in text and "development management first" in text
    assert len(PNG.findall(text)) == len(plots.figures_for(planning_scenarios)) == 8  # with each council's NPV
    sw = sweep(MINIMAL, {"programme.review_teams": [1, 2]}, replications=6, seed=1)
    text = write_report(sw, tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert 'id="sweep-table"' in text and "A sweep of programme.review_teams" in text
    assert len(PNG.findall(text)) == 2


# --------------------------------------------------------------------------- the command line


def test_command(results, tmp_path, capsys):
    folder = tmp_path / "run"
    folder.mkdir()
    results.to_netcdf(folder / "results.nc")
    assert main(["report", str(folder)]) == 0
    assert (folder / "report.html").exists()
    assert "report:" in capsys.readouterr().out
    assert main(["report", str(folder / "results.nc"), "-o", str(tmp_path / "board.html")]) == 0
    assert "<!DOCTYPE html>" in (tmp_path / "board.html").read_text(encoding="utf-8")


def test_command_bad_input(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.nc")]) == 2
    assert "no such results file" in capsys.readouterr().err
    junk = tmp_path / "junk.nc"
    junk.write_text("not netCDF")
    assert main(["report", str(junk)]) == 2
    assert "not a simshare results file" in capsys.readouterr().err
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(other)
    assert main(["report", str(other)]) == 2
    assert "not a simshare results file" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2  # a folder without results.nc (and several .nc files)
    assert main(["report", str(tmp_path / "junk.nc"), "-o", str(tmp_path / "nowhere" / "r.html")]) == 2


# --------------------------------------------------------------------------- a real browser


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    if os.environ.get("CI"):
        pytest.fail("CI is set but no chromium binary was found: .ci/run installs Debian's chromium")
    pytest.skip("no chromium binary (install Debian's chromium to run the browser test; CI always runs it)")


#: Appended to a copy of the report: after loading, every image is drawn to a canvas by the browser
#: itself, and its size and number of distinct colours are written where --dump-dom shows them.
PROBE = """<script>
window.addEventListener('load', function () {
  var out = [], images = document.images;
  for (var i = 0; i < images.length; i++) {
    var im = images[i], colours = 0;
    if (im.complete && im.naturalWidth > 0) {
      var c = document.createElement('canvas');
      c.width = im.naturalWidth; c.height = im.naturalHeight;
      var g = c.getContext('2d'); g.drawImage(im, 0, 0);
      var d = g.getImageData(0, 0, c.width, c.height).data, seen = {};
      for (var k = 0; k < d.length; k += 28) { seen[(d[k] << 16) | (d[k + 1] << 8) | d[k + 2]] = 1; }
      colours = Object.keys(seen).length;
    }
    out.push(im.naturalWidth + 'x' + im.naturalHeight + 'x' + Math.round(im.getBoundingClientRect().width) + 'x' + colours);
  }
  document.body.setAttribute('data-probe', out.join(' '));
});
</script>"""


def run_browser(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_opens_in_a_headless_browser(results, report, tmp_path):
    binary = chromium()
    n_figures = len(PNG.findall(report.read_text(encoding="utf-8")))

    # 1. it loads without console errors, and the browser decodes and draws every figure
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = run_browser(binary, tmp_path / "profile", "--window-size=1200,3000", "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert not console_messages(done.stderr), console_messages(done.stderr)
    for section in ("status-quo-implication", "baseline-table", "end-rate-note", "key-assumptions", "reproduce",
                    "figure-resilience", "figure-vacancy"):
        assert f'id="{section}"' in done.stdout, f"the new section {section} is not in the rendered page"
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, "the page did not finish loading (no probe result in the DOM)"
    images = [tuple(int(v) for v in item.split("x")) for item in found.group(1).split()]
    assert len(images) == n_figures
    for width, height, shown, colours in images:
        assert width > 300 and height > 200, images  # decoded
        assert shown > 300, images  # laid out at a readable width
        assert colours > 20, images  # drawn, and not blank

    # 2. a screenshot of the report itself (no probe) is not blank
    shot = tmp_path / "report.png"
    done = run_browser(binary, tmp_path / "profile", "--window-size=1200,3000", f"--screenshot={shot}",
                       report.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    assert not console_messages(done.stderr), console_messages(done.stderr)
    from PIL import Image

    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1200, 3000)
        assert any(lo != hi for lo, hi in rgb.getextrema()), "the screenshot is a single colour"
        pixels = np.asarray(rgb, dtype=int)
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 60
    assert saturated.sum() > 5_000, "no chart colours in the screenshot"


# --------------------------------------------------------------------------- issue 13: units, reproduce lines, implications


def test_assumptions_in_a_boards_units(report):
    text = report.read_text(encoding="utf-8")
    table = re.search(r'<table class="assumptions" id="key-assumptions">(.*?)</table>', text, re.S).group(1)
    cells = dict(re.findall(r"<tr><td>(.*?)</td><td class=\"wrap\">(.*?)</td></tr>", table))
    assert cells["Programme start"] == "October 2012"
    assert cells["Savings target date"] == "October 2016 (48 months from the start)"
    assert cells["Chance a business case is approved first time"] == "90 %"
    assert cells["Review team turnover"] == "12 % a year"
    assert cells["Discount rate (NPV)"] == "3.5 % a year"
    assert cells["Savings target"] == "£1.24m a year"
    assert cells["Simulated period"] == "120 months (to October 2022)"
    for raw in (">0.9<", ">0.12<", ">0.035<", "2012-10-01", "Target month"):
        assert raw not in table, raw


def test_resilience_how_deep_and_how_long(results, report):
    text = html.unescape(report.read_text(encoding="utf-8"))
    line = re.search(r'<p class="headline">(.*?)</p>', text, re.S).group(1)
    assert "at its lowest month" in line.lower() and "service-months not operating safely" in line
    assert "with no programme" in line
    table = re.search(r'<table class="summary" id="summary-table">(.*?)</table>', text, re.S).group(1)
    assert "Service-months not operating safely" in table
    implication = re.search(r'<p id="status-quo-implication">(.*?)</p>', text, re.S).group(1)
    assert "status quo" in implication and "service-months unsafe" in implication and "NPV" in implication
    assert 'id="end-rate-note"' in text  # the median end run-rate is above the £1.24m target here


def save_config(ds: xr.Dataset, folder: Path) -> Path:
    path = folder / "config.toml"
    path.write_text(ds.attrs["config"], encoding="utf-8")
    return path


def reproduce(ds: xr.Dataset, config: Path, out: Path) -> xr.Dataset:
    """Run the report's reproduce line (CONFIG replaced by ``config``) and load what it writes."""
    from simshare.interface.report.implications import reproduce_command
    import shlex

    words = shlex.split(reproduce_command(ds))
    assert words[0] == "simshare"
    args = [str(config) if w == "CONFIG" else w for w in words[1:]] + ["-q", "-o", str(out)]
    assert main(args) == 0
    return xr.load_dataset(next(out.glob("*.nc")))


@pytest.mark.parametrize("kind", ["run with --set", "run --baseline", "compare", "sweep"])
def test_reproduce_line_reproduces(kind, tmp_path, capsys):
    from simshare.analysis.compare import compare
    from simshare.analysis.sweep import sweep

    from conftest import SHARED_PLANNING

    if kind == "run with --set":
        ds = simshare.simulate(MINIMAL, replications=4, seed=9, overrides={"programme.review_teams": 2})
    elif kind == "run --baseline":
        ds = simshare.simulate(MINIMAL, replications=4, seed=9, baseline=True)
    elif kind == "compare":
        ds = compare(SHARED_PLANNING, scenarios=["development management first"], baseline=True, replications=3, seed=9)
    else:
        ds = sweep(MINIMAL, {"programme.review_teams": [1, 2]}, replications=3, seed=9)
    again = reproduce(ds, save_config(ds, tmp_path), tmp_path / "again")
    capsys.readouterr()
    for name in ("npv", "programme_complete_month", "resilience"):
        np.testing.assert_array_equal(again[name].values, ds[name].values, err_msg=f"{kind}: {name}")


def test_sweep_report_shows_swept_values(tmp_path):
    from simshare.analysis.sweep import sweep

    sw = sweep(MINIMAL, {"programme.review_teams": [1, 2], "programme.approval_probability": [0.8, 0.95]},
               replications=3, seed=1)
    text = html.unescape(write_report(sw, tmp_path / "sweep.html").read_text(encoding="utf-8"))
    table = re.search(r'id="key-assumptions">(.*?)</table>', text, re.S).group(1)
    assert "swept: 1, 2" in table and "swept: 80 %, 95 %" in table
    assert "simshare sweep CONFIG --set programme.review_teams=1,2 --set programme.approval_probability=0.8,0.95" in text
