"""A scenario that names a calibration runs replication r with posterior draw r mod n."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from braingain.cli import main
from experiments.batch import make_batch
from experiments.runner import RunnerOptions, run_batch
from experiments.scenario import load_scenario
from experiments.testing import scenario_text

DRAWS = {"recognition_base": [0.2, 0.5, 0.8], "tie_decay": [0.05, 0.1, 0.2]}


def write_calibration(folder, draws=DRAWS, name="calibrated"):
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table({"draw": list(range(len(next(iter(draws.values()))))), **draws})
    pq.write_table(table, folder / f"{name}_draws.parquet")
    (folder / f"{name}.toml").write_text(
        f'name = "test"\ndraws = "{name}_draws.parquet"\n\n[parameters]\nrecognition_base = 0.5\n',
        encoding="utf-8",
    )
    return folder / f"{name}.toml"


def write_scenario(path, calibration=None, extra="", replications=4, **kw):
    head = f'calibration = "{calibration}"\n' if calibration else ""
    path.write_text(head + scenario_text(replications=replications, extra=extra, **kw))
    return path


def test_replication_r_runs_with_draw_r_mod_n(tmp_path):
    write_calibration(tmp_path / "cal")
    scenario = load_scenario(write_scenario(tmp_path / "s.toml", "cal/calibrated.toml"))
    specs = make_batch([scenario]).specs()
    for spec in specs:
        r = spec.replication
        assert spec.params["recognition_base"] == DRAWS["recognition_base"][r % 3]
        assert spec.params["tie_decay"] == DRAWS["tie_decay"][r % 3]
        assert spec.params["agents_per_country"] == 30  # the scenario's own values stay


def test_the_scenarios_own_parameters_take_precedence_over_the_draws(tmp_path):
    write_calibration(tmp_path / "cal")
    path = write_scenario(tmp_path / "s.toml", "cal/calibrated.toml", extra="tie_decay = 0.3\n")
    specs = make_batch([load_scenario(path)]).specs()
    assert {s.params["tie_decay"] for s in specs} == {0.3}
    assert [s.params["recognition_base"] for s in specs] == [0.2, 0.5, 0.8, 0.2]


def test_extends_inherits_the_calibration_relative_to_the_base_file(tmp_path):
    write_calibration(tmp_path / "base" / "cal")
    write_scenario(tmp_path / "base" / "b.toml", "cal/calibrated.toml")
    child = tmp_path / "child.toml"
    child.write_text('extends = "base/b.toml"\nname = "child"\n')
    scenario = load_scenario(child)
    assert scenario.posterior is not None and len(scenario.posterior) == 3
    # a draws .parquet may be named directly too
    direct = write_scenario(tmp_path / "d.toml", "base/cal/calibrated_draws.parquet")
    assert load_scenario(direct).posterior.rows == scenario.posterior.rows


def test_the_draws_are_part_of_what_a_scenario_is(tmp_path):
    plain = load_scenario(write_scenario(tmp_path / "p.toml"))
    write_calibration(tmp_path / "a")
    write_calibration(tmp_path / "b", draws={"recognition_base": [0.3], "tie_decay": [0.1]})
    with_a = load_scenario(write_scenario(tmp_path / "a.toml", "a/calibrated.toml"))
    with_b = load_scenario(write_scenario(tmp_path / "b.toml", "b/calibrated.toml"))
    assert len({plain.fingerprint(), with_a.fingerprint(), with_b.fingerprint()}) == 3
    assert make_batch([plain]).specs()[0].params == plain.params.to_dict()


def test_a_run_with_a_draw_equals_a_run_with_its_values_set(tmp_path):
    """Replication 1 of the calibrated scenario and replication 1 of a plain scenario setting
    draw 1's values give the same metrics (same seed): the draw reaches the model."""
    write_calibration(tmp_path / "cal")
    calibrated = write_scenario(
        tmp_path / "c.toml", "cal/calibrated.toml", name="c", replications=2, years=3
    )
    fixed = write_scenario(
        tmp_path / "f.toml",
        name="f",
        replications=2,
        years=3,
        extra="recognition_base = 0.5\ntie_decay = 0.1\n",
    )
    batch = make_batch([load_scenario(calibrated), load_scenario(fixed)])
    result = run_batch(batch, tmp_path / "out", RunnerOptions(workers=1, progress=False))
    frame = pd.read_parquet(result.metrics_path)
    metrics = [c for c in frame.columns if c not in ("scenario", "replication", "year", "country")]

    def rows(name, r):
        return frame[(frame["scenario"] == name) & (frame["replication"] == r)][metrics]

    assert np.array_equal(rows("c", 1).to_numpy(), rows("f", 1).to_numpy(), equal_nan=True)
    assert not np.array_equal(rows("c", 0).to_numpy(), rows("f", 0).to_numpy(), equal_nan=True)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda d: None, "no such file"),
        (
            lambda d: write_calibration(d, draws={"no_such_parameter": [1.0]}),
            "are not parameters",
        ),
        (lambda d: write_calibration(d, draws={"recognition_base": [1.5]}), "not allowed"),
    ],
    ids=["missing", "unknown-column", "out-of-range"],
)
def test_a_bad_calibration_in_a_scenario_gets_one_clear_line(tmp_path, capsys, setup, expected):
    setup(tmp_path / "cal")
    path = write_scenario(tmp_path / "s.toml", "cal/calibrated.toml")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "s.toml: calibration: " in err and expected in err and "allowed" in err
