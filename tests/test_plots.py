"""simshare.interface.plots: every figure function returns a titled Figure, and none touches pyplot's global state."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

import simshare
from simshare.interface import plots

from conftest import MINIMAL, SHARED_PLANNING


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """The plotting module must never register figures with pyplot (servers and tests leak them)."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before == []


@pytest.fixture(scope="module")
def minimal() -> xr.Dataset:
    return simshare.simulate(MINIMAL, replications=20, seed=3)


@pytest.fixture(scope="module")
def with_baseline() -> xr.Dataset:
    """The shared-planning programme and the status quo (scenario dim), with a savings target."""
    return simshare.simulate(SHARED_PLANNING, replications=20, seed=1, baseline=True)


@pytest.fixture(scope="module")
def sweep2() -> xr.Dataset:
    from simshare.analysis.sweep import sweep

    return sweep(MINIMAL, {"programme.review_teams": [1, 2],
                                            "services.Revenues and Benefits.implementation_months": [12, 18, 24]},
                 replications=8, seed=1)


def title_of(fig: Figure) -> str:
    text = fig.get_suptitle()
    if not text:
        text = " ".join(ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right"))
    return text.strip()


def check(fig: Figure) -> Figure:
    assert isinstance(fig, Figure)
    assert len(fig.axes) >= 1
    assert title_of(fig), "the figure has no title"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)  # draws without pyplot and without errors
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    return fig


# --------------------------------------------------------------------------- the time charts


@pytest.mark.parametrize("variable", ["savings_run_rate", "cumulative_net", "cumulative_costs"])
def test_fan_chart(minimal, variable):
    fig = check(plots.fan_chart(minimal, variable))
    ax = fig.axes[0]
    assert len(ax.collections) >= 2  # two bands
    assert ax.yaxis.get_major_formatter()(1_200_000, 0) == "£1.2m"
    assert ax.yaxis.get_major_formatter()(600_000, 0) == "£600k"


def test_fan_chart_marks_the_target(with_baseline):
    fig = check(plots.fan_chart(with_baseline))
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(label.startswith("target £700k a year by") and "of futures" in label for label in labels)


def test_fan_chart_dates_on_the_time_axis(minimal):
    fig = plots.fan_chart(minimal)
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert any(t.isdigit() and len(t) == 4 for t in ticks) or any(t[:3].isalpha() for t in ticks), ticks


def test_completion_scurves(minimal, with_baseline):
    check(plots.completion_scurves(minimal))
    fig = check(plots.completion_scurves(with_baseline, plan={"plan": 36, "board date": "2027-01-01"}))
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(label.startswith("savings target date") for label in labels)
    assert any(label.startswith("plan (") for label in labels)
    assert any(label.startswith("board date (Jan 2027") for label in labels)


def test_resilience_and_vacancy(minimal, with_baseline):
    fig = check(plots.resilience_chart(minimal))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    councils = [str(c) for c in minimal["council"].values]
    # a monthly band per council, each beside the distribution of its futures' lowest month
    assert [ax.get_title("left") for ax in shown] == [x for c in councils for x in (c, "lowest month")]
    fig = check(plots.resilience_chart(with_baseline, "vacancy_rate"))
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("status quo" in label for label in labels)


def test_milestones_in_phasing_order(with_baseline):
    fig = check(plots.milestone_chart(with_baseline))
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == ["Planning Policy", "Development Management"]  # programme.order, not the config order


def test_milestones_order_from_a_scenario(planning_scenarios):
    fig = check(plots.milestone_chart(planning_scenarios, scenario="development management first"))
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == ["Development Management", "Planning Policy"]


# --------------------------------------------------------------------------- analysis charts


def test_scenario_chart(planning_scenarios):
    fig = check(plots.scenario_chart(planning_scenarios))
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for name in planning_scenarios["scenario"].values:
        if name != "status quo":
            assert str(name) in texts
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(label.startswith("status quo: no programme, median NPV") for label in legend)


def test_sweep_heatmap_and_line(sweep2):
    fig = check(plots.sweep_heatmap(sweep2))
    assert len(fig.axes[0].texts) == 2 * 3  # every cell labelled
    check(plots.sweep_heatmap(sweep2, "programme_complete_month", "P80"))
    check(plots.sweep_heatmap(sweep2.isel({"programme.review_teams": 0}), "savings_run_rate@horizon", "mean"))


def test_tornado_chart_from_a_table():
    table = pd.DataFrame(
        {"low": [0.09, 3.0, 10.0], "high": [0.18, 8.0, 11.0],
         "p50_low": [1.1e6, 1.3e6, 1.2e6], "p50_high": [1.5e6, 1.0e6, 1.21e6]},
        index=pd.Index(["councils.A.turnover_annual", "services.Planning.review_months", "programme.x"],
                       name="parameter"))
    table.attrs.update(base_p50=1.2e6, variable="npv", units="£")
    fig = check(plots.tornado_chart(table))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[:2] == ["A: turnover annual", "Planning: review months"]  # widest swing first
    assert labels[-1] == "programme: x"


def test_tornado_and_sobol_from_the_sensitivity_module():
    from simshare.analysis import sensitivity

    cfg = SHARED_PLANNING
    params = ["services.Development Management.savings_fraction", "services.Planning Policy.review_months"]
    tornado = sensitivity.tornado(cfg, "npv", parameters=params, replications=8, seed=1)
    check(plots.tornado_chart(tornado))
    synthetic = xr.Dataset({"S1": ("parameter", [0.5, 0.1]), "ST": ("parameter", [0.6, 0.2]),
                            "S1_conf": ("parameter", [0.05, 0.04]), "ST_conf": ("parameter", [0.05, 0.04])},
                           coords={"parameter": params}, attrs={"variable": "npv"})
    check(plots.sobol_chart(synthetic))


# --------------------------------------------------------------------------- choosing, and errors


def test_figures_for(minimal, with_baseline, planning_scenarios, sweep2):
    single = plots.figures_for(minimal)
    assert list(single) == ["savings_run_rate", "cumulative_net", "completion", "milestones", "councils", "resilience",
                            "vacancy"]
    assert "scenarios" not in plots.figures_for(with_baseline)  # base and status quo: nothing to compare
    assert "scenarios" in plots.figures_for(planning_scenarios)
    assert list(plots.figures_for(sweep2)) == ["sweep_npv", "sweep_completion"]
    for fig in [*single.values()]:
        check(fig)


def test_clear_errors(minimal, sweep2):
    with pytest.raises(ValueError, match="no 'nonsense'"):
        plots.fan_chart(minimal, "nonsense")
    with pytest.raises(ValueError, match="council"):
        plots.fan_chart(minimal, "resilience")
    with pytest.raises(ValueError, match="scenario"):
        plots.scenario_chart(minimal)
    with pytest.raises(ValueError, match="no swept dimension"):
        plots.sweep_heatmap(minimal)
    with pytest.raises(ValueError, match="swept dimension"):
        plots.fan_chart(sweep2)
    with pytest.raises(ValueError, match="p50_low"):
        plots.tornado_chart(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValueError, match="Dataset"):
        plots.completion_scurves({"npv": np.zeros(3)})
    with pytest.raises(ValueError, match="statistic"):
        plots.sweep_heatmap(sweep2, statistic="P99")


# --------------------------------------------------------------------------- legends, ticks, smoothing (issue 13)


def legend_overlaps(fig: Figure) -> list[str]:
    """Legends that cover any axes' plotting area, after drawing (display coordinates)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = [leg for ax in fig.axes for leg in [ax.get_legend()] if leg is not None] + list(fig.legends)
    for sub in getattr(fig, "subfigs", []):
        legends += list(sub.legends)
    bad = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible() and box.overlaps(ax.get_window_extent(renderer)):
                bad.append(f"{legend.get_texts()[0].get_text()!r} covers {ax.get_title('left') or ax.get_title()!r}")
    return bad


def test_legends_never_cover_data(with_baseline, planning_scenarios):
    ours = ("service_savings_run_rate", "savings_run_rate", "cumulative_net", "completion", "milestones", "councils",
            "resilience", "vacancy")  # the report's figures of a run (the scenario chart is the comparison's)
    for ds in (with_baseline, planning_scenarios):
        for name, fig in plots.figures_for(ds).items():
            if name in ours:
                assert not legend_overlaps(fig), (name, legend_overlaps(fig))


def test_date_ticks_always_carry_the_year(with_baseline):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for name, fig in plots.figures_for(with_baseline).items():
        FigureCanvasAgg(fig).draw()
        for ax in fig.axes:
            if not ax.get_visible() or ax.get_xlabel() or not ax.xaxis.get_ticklabels():
                continue
            for label in ax.xaxis.get_ticklabels():
                text = label.get_text()
                if text and text[:3] in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                         "Dec"):
                    assert text[-4:].isdigit(), (name, text)  # never a month without its year


def test_vacancy_lines_are_smoothed(with_baseline):
    from simshare.interface.plots.resilience import smoothed

    raw = np.array([[0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]])
    assert np.allclose(smoothed(raw, 1)[0, 1:-1], [1 / 3, 2 / 3, 1 / 3, 2 / 3, 1 / 3, 2 / 3])
    fig = plots.resilience_chart(with_baseline, "vacancy_rate")
    median = fig.axes[0].get_lines()[0].get_ydata()  # the programme's median line
    d = with_baseline.isel(scenario=0)["vacancy_rate"].isel(council=0)
    raw_median = np.nanpercentile(d.transpose("replication", "time").values, 50, axis=0)
    assert np.allclose(median, smoothed(raw_median[None])[0])
    assert np.abs(np.diff(median)).sum() < np.abs(np.diff(raw_median)).sum()  # less jagged


def test_lowest_month_panel_agrees_with_the_table(with_baseline):
    from simshare.analysis.summary import summarise

    fig = plots.resilience_chart(with_baseline)
    table = summarise(with_baseline)
    side = [ax for ax in fig.axes if ax.get_title("left") == "lowest month"][0]
    council = str(with_baseline["council"].values[0])
    medians = [line.get_ydata()[0] for line in side.get_lines() if line.get_linestyle() == "-"]
    assert medians and np.isclose(medians[0], table.at[f"lowest_resilience[{council}]", "P50"])
    texts = " ".join(t.get_text() for t in side.texts)
    assert "service-months" in texts and "status quo" in texts
