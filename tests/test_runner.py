"""The batch runner and its store: determinism, resume after a crash, failures, Ctrl-C.

Runs use the real model on the teaching world (16 countries, 5 years, 30 agents per country).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.batch import make_batch
from experiments.engines import DaskEngine
from experiments.errors import UserError
from experiments.manifest import StaleResultsError
from experiments.runner import RunnerOptions, run_batch
from experiments.scenario import load_scenarios
from experiments.store import Store
from experiments.summary import write_summary
from experiments.testing import WHAT_IF as CONVENTION_WHAT_IF
from experiments.testing import flaky_task, scenario_text
from simulation import aggregate_regions, load_world, simulate_with_counterfactual
from simulation.metrics import METRICS

BRAINGAIN = str(Path(sys.executable).with_name("braingain"))
REPLICATIONS = 8
WHAT_IF = (
    CONVENTION_WHAT_IF
    + """
[[events]]
kind = "ict_investment"
year = 2002
until = 2004
countries = ["SSF", "SAS"]
value = 0.7
"""
)


def write_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a = folder / "a.toml"
    b = folder / "b.toml"
    a.write_text(scenario_text("a"), encoding="utf-8")
    b.write_text(scenario_text("b") + WHAT_IF, encoding="utf-8")
    return [a, b]


def run(files, out, task=None, replications=REPLICATIONS, **options):
    scenarios = [s.with_options(replications=replications) for s in load_scenarios(files)]
    batch = make_batch(scenarios, task)
    return run_batch(batch, out, RunnerOptions(progress=False, **options))


def metrics(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "metrics.parquet")


def digest(out: Path) -> str:
    return hashlib.sha256((out / "metrics.parquet").read_bytes()).hexdigest()


def done_records(out: Path) -> list[dict]:
    """Every `done` record in the ledger, as written (torn lines skipped)."""
    found = []
    path = out / "ledger.jsonl"
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            found += [r for r in json.loads(line)["runs"] if r["status"] == "done"]
        except (ValueError, KeyError):
            continue
    return found


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    return write_files(tmp_path_factory.mktemp("scenarios"))


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory) -> Path:
    """An uninterrupted batch: 2 scenarios x 8 replications, 2 workers."""
    out = tmp_path_factory.mktemp("reference")
    result = run(files, out, workers=2)
    assert result.done == 2 * REPLICATIONS and not result.failed
    return out


@pytest.fixture(scope="module")
def dask_address():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


# --- determinism -----------------------------------------------------------------------------
def test_reference_has_one_row_per_run_year_and_country_and_every_metric(reference):
    frame = metrics(reference)
    assert list(frame.columns[:4]) == ["scenario", "replication", "year", "country"]
    assert set(frame.columns[4:]) == set(METRICS)
    assert len(frame) == 2 * REPLICATIONS * (1 + 5) * 16  # start year + 5 simulated years
    assert not frame.duplicated(["scenario", "replication", "year", "country"]).any()
    per_run = frame.groupby(["scenario", "replication"])["human_capital"].sum()
    assert per_run.nunique() > REPLICATIONS, "replications should differ from each other"


def test_one_worker_two_workers_any_chunking_and_dask_give_identical_results(
    files, reference, dask_address, tmp_path
):
    outs = {
        "1 worker": (tmp_path / "w1", {"workers": 1}),
        "2 workers, chunks of 1": (tmp_path / "w2", {"workers": 2, "chunk_size": 1}),
        "2 workers, chunks of 5": (tmp_path / "w5", {"workers": 2, "chunk_size": 5}),
        "dask": (tmp_path / "dask", {"scheduler": dask_address}),
    }
    expected = metrics(reference)
    for label, (out, options) in outs.items():
        result = run(files, out, **options)
        assert result.done == 2 * REPLICATIONS, label
        pd.testing.assert_frame_equal(metrics(out), expected, check_exact=True, obj=label)
        assert digest(out) == digest(reference), label


def test_a_run_does_not_depend_on_the_rest_of_the_batch(files, reference, tmp_path):
    """Replication r of b alone, with fewer replications, equals b's run r in the big batch."""
    run([files[1]], tmp_path, replications=3, workers=2)
    alone = metrics(tmp_path)
    full = metrics(reference)
    expected = full[(full["scenario"] == "b") & (full["replication"] < 3)].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, expected, check_exact=True)


def test_an_unreachable_scheduler_gets_a_clear_message():
    with pytest.raises(UserError, match="cannot reach a Dask scheduler"):
        DaskEngine("tcp://127.0.0.1:9", timeout="1s")


def test_a_run_that_raises_on_dask_is_recorded_failed(files, dask_address, tmp_path):
    task = functools.partial(flaky_task, raise_on=(1,), inner=simulate_with_counterfactual)
    result = run([files[0]], tmp_path, task, replications=3, scheduler=dask_address)
    assert [(f.scenario, f.replication) for f in result.failed] == [("a", 1)]
    assert "injected failure" in result.failed[0].error
    assert sorted(metrics(tmp_path)["replication"].unique()) == [0, 2]


# --- resume ----------------------------------------------------------------------------------
def _command(files, out) -> list[str]:
    return [
        BRAINGAIN,
        "run",
        *map(str, files),
        "--replications",
        str(REPLICATIONS),
        "--workers",
        "2",
        "--chunk-seconds",
        "0.01",  # one run per chunk: the ledger grows run by run
        "--task",
        "experiments.testing:slow_model",  # the real model after a 0.2 s pause
        "--out",
        str(out),
        "--no-progress",
    ]


def _wait_for_done(out: Path, proc: subprocess.Popen, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(done_records(out)) < at_least:
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.02)


def test_a_batch_killed_halfway_resumes_running_each_run_exactly_once(files, reference, tmp_path):
    total = 2 * REPLICATIONS
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _command(files, out),
        start_new_session=True,  # its own process group: driver and workers die together
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_done(out, proc, total // 2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = {(r["scenario"], r["replication"]) for r in done_records(out)}
    assert total // 2 <= len(before) < total, "killed halfway, not at the end"
    assert not (out / "metrics.parquet").exists()

    rerun = subprocess.run(_command(files, out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    records = done_records(out)
    keys = [(r["scenario"], r["replication"]) for r in records]
    assert len(keys) == len(set(keys)) == total, "every run finished exactly once"
    rerun_keys = {(r["scenario"], r["replication"]) for r in records if r["session"] == 2}
    assert rerun_keys == set(keys) - before, "the rerun ran only the unfinished runs"
    pd.testing.assert_frame_equal(metrics(out), metrics(reference), check_exact=True)


def _process_start(pid: int) -> str | None:
    """The start time of a live process (None if it is gone or a zombie): with the pid, it
    names a process even if the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def _descendants(root: int) -> dict[int, str]:
    """Every live process below `root` (the forkserver, the workers, the resource tracker),
    with its start time."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        start = _process_start(pid)
        if start is not None:
            found[pid] = start
            todo += children.get(pid, [])
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_workers_and_the_forkserver_exit_when_the_driver_is_killed(files, reference, tmp_path):
    """A kill -9 of the driver alone (not its process group): the forkserver, the workers and
    the resource tracker must not live on as orphans; the same command still resumes exactly."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _command(files, out),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    left: dict[int, str] = {}
    try:
        _wait_for_done(out, proc, 1)
        left = _descendants(proc.pid)
        assert len(left) >= 3, f"expected a forkserver and two workers below the driver: {left}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while left and time.monotonic() < deadline:
            left = {pid: t for pid, t in left.items() if _process_start(pid) == t}
            time.sleep(0.05)
        assert not left, f"still alive after the driver was killed: {sorted(left)}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid, start in left.items():  # never leave them behind, even when the test fails
            if _process_start(pid) == start:
                os.kill(pid, signal.SIGKILL)
    rerun = subprocess.run(_command(files, out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    pd.testing.assert_frame_equal(metrics(out), metrics(reference), check_exact=True)


def test_ctrl_c_stops_cleanly_and_the_same_command_resumes(files, reference, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _command(files, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _wait_for_done(out, proc, 3)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "resume" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    stopped = len(done_records(out))
    assert 3 <= stopped < 2 * REPLICATIONS

    rerun = subprocess.run(_command(files, out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    keys = [(r["scenario"], r["replication"]) for r in done_records(out)]
    assert len(keys) == len(set(keys)) == 2 * REPLICATIONS
    pd.testing.assert_frame_equal(metrics(out), metrics(reference), check_exact=True)


def test_more_replications_later_reuse_the_finished_ones(files, reference, tmp_path):
    first = run(files, tmp_path, replications=2, workers=2)
    second = run(files, tmp_path, replications=3, workers=2)
    assert (first.ran, second.ran, second.skipped) == (4, 2, 4)
    full = metrics(reference)
    pd.testing.assert_frame_equal(
        metrics(tmp_path), full[full["replication"] < 3].reset_index(drop=True), check_exact=True
    )


def test_the_store_recovers_from_torn_ledger_lines_orphans_and_lost_chunks(files, tmp_path):
    run(files, tmp_path, replications=2, workers=1, chunk_size=2)
    expected = metrics(tmp_path)
    chunks = sorted((tmp_path / "chunks").glob("chunk-*.parquet"))
    assert len(chunks) == 2
    # crash leftovers: half a ledger line, a chunk nobody recorded, a temporary file
    with open(tmp_path / "ledger.jsonl", "a") as fh:
        fh.write('{"chunk": "chunk-000777.parquet", "runs": [{"scen')
    shutil.copy(chunks[0], tmp_path / "chunks" / "chunk-000777.parquet")
    (tmp_path / "chunks" / ".chunk-000778.parquet.1.tmp").write_bytes(b"partial")
    again = run(files, tmp_path, replications=2, workers=1)
    assert again.ran == 0
    assert sorted(p.name for p in (tmp_path / "chunks").iterdir()) == [c.name for c in chunks]
    assert (tmp_path / "ledger.jsonl").read_bytes().endswith(b"\n")
    pd.testing.assert_frame_equal(metrics(tmp_path), expected, check_exact=True)
    # a finished run whose chunk file is lost runs again (and only it)
    chunks[1].unlink()
    lost = run(files, tmp_path, replications=2, workers=1)
    assert lost.ran == 2
    pd.testing.assert_frame_equal(metrics(tmp_path), expected, check_exact=True)


# --- failures --------------------------------------------------------------------------------
def test_a_run_that_raises_and_a_worker_that_dies_are_recorded_failed(files, reference, tmp_path):
    task = functools.partial(
        flaky_task, raise_on=(1,), exit_on=(3,), inner=simulate_with_counterfactual
    )
    # chunks of 2: a failing run shares its chunk with a good one ([0, 1], [2, 3], [4, 5])
    result = run([files[0]], tmp_path, task, replications=6, workers=2, chunk_size=2)
    assert not result.interrupted
    failed = {f.replication: f for f in result.failed}
    assert sorted(failed) == [1, 3]
    assert "RuntimeError: injected failure in replication 1" in failed[1].error
    assert "Traceback" in failed[1].error
    assert "worker process died" in failed[3].error and failed[3].attempt == 2
    for record in failed.values():
        assert (record.rows, record.chunk, record.offset) == (0, None, None)
    frame = metrics(tmp_path)
    assert sorted(frame["replication"].unique()) == [0, 2, 4, 5], "no row for a failed run"
    full = metrics(reference)
    expected = full[(full["scenario"] == "a") & full["replication"].isin([0, 2, 4, 5])]
    pd.testing.assert_frame_equal(frame, expected.reset_index(drop=True), check_exact=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "complete with failures"
    # a rerun retries only the failed runs; finished ones are left alone
    again = run([files[0]], tmp_path, task, replications=6, workers=2, chunk_size=2)
    assert again.ran == 2 and sorted(f.replication for f in again.failed) == [1, 3]
    pd.testing.assert_frame_equal(metrics(tmp_path), frame, check_exact=True)


def test_a_worker_that_dies_once_is_replaced_and_its_runs_retried(files, reference, tmp_path):
    task = functools.partial(
        flaky_task,
        exit_once_on=(2,),
        marker_dir=str(tmp_path),
        inner=simulate_with_counterfactual,
    )
    result = run([files[0]], tmp_path / "out", task, replications=5, workers=2, chunk_size=2)
    assert result.failed == [] and result.done == 5
    assert (tmp_path / "died-2").exists(), "the worker did die"
    records = Store(tmp_path / "out").records()
    assert records[("a", 2)].attempt == 2
    full = metrics(reference)
    expected = full[(full["scenario"] == "a") & (full["replication"] < 5)].reset_index(drop=True)
    pd.testing.assert_frame_equal(metrics(tmp_path / "out"), expected, check_exact=True)


# --- summary ---------------------------------------------------------------------------------
def test_summary_is_the_mean_and_t_interval_over_replications(files, reference, tmp_path):
    batch = make_batch(
        [s.with_options(replications=REPLICATIONS) for s in load_scenarios(files)], None
    )
    summary = pd.read_csv(write_summary(reference / "metrics.parquet", batch, tmp_path))
    frame = metrics(reference)
    frame = frame[frame["scenario"] == "b"]

    def check(level: str, area: str, values: np.ndarray) -> None:
        row = summary[
            (summary["scenario"] == "b")
            & (summary["level"] == level)
            & (summary["area"] == area)
            & (summary["year"] == 2004)
        ]
        assert len(row) == 1 and int(row["replications"].iloc[0]) == REPLICATIONS
        mean = values.mean()
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        got = row[["human_capital_mean", "human_capital_ci_low", "human_capital_ci_high"]]
        np.testing.assert_allclose(got.to_numpy()[0], [mean, mean - half, mean + half], rtol=1e-6)

    country = frame[(frame["country"] == "KEN") & (frame["year"] == 2004)]
    check("country", "KEN", country.sort_values("replication")["human_capital"].to_numpy())
    regions = load_world("teaching").countries.set_index("iso3")["region"]
    per_rep = aggregate_regions(frame[frame["year"] == 2004], regions)
    ssf = per_rep[per_rep["country"] == "SSF"]["human_capital"].to_numpy()
    assert len(ssf) == REPLICATIONS
    check("region", "SSF", ssf)
    assert set(summary["level"]) == {"country", "region", "world"}


def test_a_folder_with_other_results_is_refused_unless_told_to_start_afresh(files, tmp_path):
    run(files, tmp_path, replications=2, workers=2)
    changed = [s.with_options(set_params={"enrol_sensitivity": 2.5}) for s in load_scenarios(files)]
    batch = make_batch([s.with_options(replications=2) for s in changed], None)
    with pytest.raises(StaleResultsError, match="different scenario named 'a'"):
        run_batch(batch, tmp_path, RunnerOptions(progress=False, workers=2))
    fresh = run_batch(batch, tmp_path, RunnerOptions(progress=False, workers=2, replace_stale=True))
    assert fresh.ran == 4 and fresh.skipped == 0
    ledger = [json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    assert {r["session"] for line in ledger for r in line["runs"]} == {1}, "old ledger cleared"
