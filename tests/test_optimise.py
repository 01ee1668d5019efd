"""``simshare optimise``: a best order known by hand, floors no candidate meets and floors the plan already
meets, the floor grammar, and bad levers, ranges and floors refused with exit 2 (docs/commands.md)."""

from __future__ import annotations

import json
import tomllib

import pytest

import simshare
from conftest import council, service, small_config, toml_text
from simshare.analysis.floors import FloorError, parse_floor
from simshare.analysis.levers import lever_space
from simshare.analysis.optimise import optimise
from simshare.analysis.optimise_words import at_the_edge
from simshare.config import ConfigError, load_config
from simshare.interface.cli import main
from simshare.interface.report import render_report

pytest.importorskip("optuna")

# Three services reviewed one at a time (2 months each) and implemented one at a time (2 months each):
# Big saves far more than the others and has no constraint, so it should go first. Front is a front-line
# service of two councils whose vacancies at the start are still being filled for 5 months; implementing
# it loses 55 % of its staffing, so it is safe (≥ 40 % staffed) only once every post is filled: first or
# second, it is unsafe in most futures; last (implemented from month 6) it is safe in every future.
# Without a floor it goes second (it saves more than Small); under the floor it must wait.
FLOOR = "unsafe_months<=0@P90"


def hand_config(order=("Front", "Small", "Big")) -> dict:
    vacancies = dict(initial_vacancy_rate=0.3, recruitment_months=5)
    services = [
        service("Front", frontline=True, implementation_disruption=0.55, review=2, implementation=2,
                budget={"East": 1_000_000, "West": 1_000_000}, posts={"East": 10, "West": 10}, savings_fraction=0.2),
        service("Small", review=2, implementation=2, savings_fraction=0.02),
        service("Big", review=2, implementation=2, savings_fraction=0.4,
                budget={"North": 5_000_000, "South": 3_000_000}),
    ]
    councils = [council("North"), council("South"), council("East", **vacancies), council("West", **vacancies)]
    return small_config(services, councils=councils, safe_staffing=0.4, horizon=36, order=list(order))


def _run(floor=FLOOR, order=("Front", "Small", "Big"), **kw):
    options = dict(levers=["programme.order"], floor=floor, trials=12, replications=10, final_replications=20, seed=1)
    options.update(kw)
    return optimise(hand_config(order), **options)


def test_the_biggest_saving_goes_first_and_the_front_line_service_waits_under_the_floor():
    free = _run(floor=None)
    assert free.outcome == "recommend"
    assert free.winner["programme.order"] == ["Big", "Front", "Small"]
    floored = _run()
    assert floored.outcome == "recommend"
    assert floored.winner["programme.order"] == ["Big", "Small", "Front"]
    assert floored.plan["floor met"] < 0.9  # the plan (Front first) misses the floor
    assert "keeping every council's services safe in 9 futures out of 10" in floored.statement
    assert floored.statement.startswith("Starting Big first")
    # the recommendation is a ready [[scenarios]] entry that the config accepts
    entry = tomllib.loads(floored.scenario)["scenarios"][0]
    cfg = simshare.load_config({**hand_config(), "scenarios": [entry]})
    assert cfg.scenarios[0].set == {"programme.order": ["Big", "Small", "Front"]}


def test_a_floor_no_candidate_meets_gives_no_recommendation():
    result = _run(floor="unsafe_months<0@P90", trials=4)
    assert result.outcome == "no candidate meets the floor"
    assert result.winner is None and result.scenario is None
    assert result.statement.startswith("No plan tried meets the floor")


def test_a_floor_the_plan_meets_keeps_the_plan_when_nothing_beats_it():
    result = _run(order=("Big", "Small", "Front"), trials=6)
    assert result.plan["floor met"] >= 0.9
    assert result.outcome == "keep plan"
    assert result.winner is None
    assert result.statement.startswith("Keep the plan")


def test_the_command_prints_the_recommendation_and_writes_its_files(tmp_path, capsys):
    path = tmp_path / "hand.toml"
    path.write_text(toml_text(hand_config()))
    code = main(["optimise", str(path), "--levers", "programme.order", "--floor", FLOOR, "--trials", "8", "-n", "8",
                 "--final-replications", "12", "-q", "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "[[scenarios]]" in out and "Best candidates" in out
    record = json.loads((tmp_path / "out" / "optimise.json").read_text())
    assert record["outcome"] == "recommend" and record["winner"]["programme.order"][-1] == "Front"
    assert (tmp_path / "out" / "optimise.csv").exists()
    # the board report of a run of the same programme in that folder gets a section for it
    results = tmp_path / "out" / "results.nc"
    ds = simshare.simulate(hand_config(), replications=4, seed=1, output=results)
    page = render_report(ds, source=str(results))
    assert 'id="optimise"' in page and "Best phasing and pace" in page and "Starting Big first" in page


@pytest.mark.parametrize("args, named", [
    (["--levers", "programme.colour"], "unknown lever 'programme.colour'"),
    (["--levers", "programme.review_teams", "--range", "programme.review_teams=4:2"], "is empty"),
    (["--levers", "programme.order", "--range", "programme.review_teams=1:3"], "a lever not searched"),
    (["--levers", "programme.order", "--range", "programme.order=1:3"], "takes no range"),
    (["--levers", "programme.review_teams", "--range", "programme.review_teams=0:3"], "whole numbers ≥ 1"),
    (["--range", "programme.review_teams"], "expected PATH=LOW:HIGH"),
    (["--floor", "unsafe_months<=3"], "expected MEASURE OP NUMBER@PNN"),
    (["--floor", "happiness>=3@P90"], "unknown measure 'happiness'"),
    (["--floor", "lowest_resilience>=1.5@P90"], "share from 0 to 1"),
    (["--floor", "unsafe_months<=3@P100"], "from 1 to 99"),
    (["--objective", "p_target"], "no programme.savings_target"),
])
def test_bad_levers_ranges_and_floors_exit_2_naming_the_problem(tmp_path, capsys, args, named):
    path = tmp_path / "hand.toml"
    path.write_text(toml_text(hand_config()))
    code = main(["optimise", str(path), "-q", "-o", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert named in err
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "optimise.json").exists()


def test_the_optimise_table_in_the_config_is_validated_and_used():
    raw = {**hand_config(), "optimise": {"levers": ["programme.order"], "floor": FLOOR, "trials": 3}}
    cfg = simshare.load_config(raw)
    assert cfg.optimise.trials == 3 and cfg.optimise.floor == FLOOR
    result = optimise(cfg, replications=4, final_replications=6)
    assert result.levers == ("programme.order",) and result.trials == 3 and str(result.floor) == FLOOR
    with pytest.raises(simshare.ConfigError, match=r"optimise.ranges: programme.review_teams: the range \[3, 2\] is empty"):
        simshare.load_config({**hand_config(), "optimise": {"ranges": {"programme.review_teams": [3, 2]}}})


@pytest.mark.parametrize("text, measure, op, value, share", [
    ("unsafe_months<=3@P90", "unsafe_months", "<=", 3.0, 0.9),
    (" lowest_resilience >= 80% @ p95 ", "lowest_resilience", ">=", 0.8, 0.95),
    ("lowest_resilience>0.5@P50", "lowest_resilience", ">", 0.5, 0.5),
])
def test_the_floor_grammar(text, measure, op, value, share):
    floor = parse_floor(text)
    assert (floor.measure, floor.op, floor.value, floor.share) == (measure, op, pytest.approx(value), share)


@pytest.mark.parametrize("text", ["", "unsafe_months", "unsafe_months<=x@P90", "unsafe_months<=3@90",
                                  "unsafe_months<=-1@P90", "unsafe_months<=3%@P90", "unsafe_months=<3@P90"])
def test_floors_that_do_not_parse(text):
    with pytest.raises(FloorError):
        parse_floor(text)


def test_a_winner_at_the_end_of_its_range_is_pointed_out():
    ranges = {"programme.review_teams": [1.0, 6.0], "programme.support_capacity": [1.0, 10.0]}
    winner = {"programme.order": ["A", "B"], "programme.review_teams": 6, "programme.support_capacity": 4}
    assert at_the_edge(winner, ranges) == "programme.review_teams 6 (range 1–6)"
    assert at_the_edge({"programme.support_capacity": 4}, ranges) == ""


@pytest.mark.parametrize("levers, searched", [
    (None, ["programme.review_teams", "programme.support_capacity"]),   # the defaults leave the order out
])
def test_default_levers_of_a_one_service_programme(levers, searched):
    space = lever_space(load_config(small_config()), levers)
    assert [p for p in searched if p in str(space)] == searched and "programme.order" not in str(space)


def test_the_order_asked_for_with_one_service_is_refused():
    with pytest.raises(ConfigError, match="no order to choose"):
        lever_space(load_config(small_config()), ["programme.order"])
