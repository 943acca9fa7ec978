"""First contact, tried as a new user would (issue 7): version and list, unusable --out folders,
the README's Python batch as a script, an installed wheel, the generated scenario docs, units,
every compared year, option names in errors, what changed in a refused folder, Dask addresses.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.metadata
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pandas as pd
import pytest

from braingain.cli import main
from braingain.parameter_basis import basis
from braingain.report import print_baseline
from experiments.batch import make_batch
from experiments.compare import compare
from experiments.errors import BatchFailedError
from experiments.figures import difference_figure, level_figure
from experiments.runner import RunnerOptions, run_batch
from experiments.scenario import load_scenarios
from experiments.shipped import shipped_scenarios
from experiments.testing import WHAT_IF, refuse_writes_into, scenario_text
from experiments.units import POINTS, display
from experiments.units import figure as written
from simulation import METRICS, parameter_table

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BRAINGAIN = str(BIN / "braingain")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def tiny(folder: Path, name: str, extra: str = "", **kw) -> Path:
    """A small scenario file (teaching world, 5 years, 30 agents per country)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(scenario_text(name, **kw) + extra, encoding="utf-8")
    return path


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- 1. --version and list -----------------------------------------------------------------------
def test_version_prints_the_installed_package_version():
    done = subprocess.run([BRAINGAIN, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"braingain {importlib.metadata.version('braingain')}"


def _row(out: str, name: str) -> list[str]:
    """The cells of the listed row whose first cell is `name` (columns split on 2+ spaces)."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()]
    found = [r for r in rows if r[0] == name]
    assert len(found) == 1, f"{name} listed {len(found)} times"
    return found[0]


def test_list_prints_scenarios_parameters_and_metrics_from_the_code(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    shipped = shipped_scenarios()
    assert {s.name for s in shipped} >= {"baseline", "global_convention", "ict_leapfrog"}
    for scenario in shipped:
        assert _row(out, scenario.name) == [scenario.name, scenario.description]
    for row in parameter_table():
        cells = _row(out, row["name"])
        assert cells[1] == row["unit"], row["name"]
        if row["type"] == "bool":
            assert cells[2:4] == ["true/false", str(row["default"]).lower()]
        else:
            low, high = (float(x) for x in cells[2].split(" to "))
            assert (low, high) == (row["low"], row["high"]), row["name"]
            assert float(cells[3]) == row["default"], row["name"]
        # the README: "Most behavioural parameters are assumptions (list --parameters flags them)"
        if row["assumption"]:
            assert cells[4] == "assumption", row["name"]
        else:  # a switch or docs/ODD.md's specification is not a published source
            assert cells[4:] == [basis(row), row["source"]], row["name"]
    for metric in METRICS.values():  # the README: list --metrics documents each one
        assert _row(out, metric.name)[1:] == [metric.unit, metric.description]


def test_list_can_show_one_kind_only(capsys):
    assert main(["list", "--metrics"]) == 0
    out = capsys.readouterr().out
    assert "human_capital" in out
    assert "agents_per_country" not in out and "baseline" not in out
    assert main(["list", "--scenarios", "--parameters"]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "agents_per_country" in out and "brain_waste_rate" not in out


# --- 2. an --out that cannot hold results --------------------------------------------------------
def _refused(err: str, shown: str) -> None:
    assert len(lines_of(err)) == 1, err
    assert err.startswith("braingain: error: output folder ") and shown in err
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_an_out_that_is_or_sits_under_a_file_exits_2_naming_it(where, tmp_path):
    scenario = tiny(tmp_path, "x", replications=1)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker if where == "a file" else blocker / "sub"
    done = subprocess.run(
        [BRAINGAIN, "run", str(scenario), "--out", str(out), "--no-progress", "--overwrite"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    _refused(done.stderr, str(out))
    assert blocker.read_text(encoding="utf-8") == "not a folder", "--overwrite touched nothing"


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_an_out_that_refuses_the_first_write_exits_2_naming_it(code, tmp_path, capsys, monkeypatch):
    """Root ignores permissions and CI cannot mount: the first write into the folder fails as a
    read-only filesystem (or a folder without write permission) would make it fail."""
    scenario = tiny(tmp_path, "x", replications=1)
    out = tmp_path / "readonly"
    out.mkdir()
    refuse_writes_into(monkeypatch, out, code)
    assert main(["run", str(scenario), "--out", str(out), "--no-progress"]) == 2
    _refused(capsys.readouterr().err, f"{out}: cannot write there ({os.strerror(code)})")
    assert list(out.iterdir()) == [], "nothing written, nothing run"


def test_an_out_on_a_read_only_filesystem_exits_2(tmp_path):
    """The real thing where an unprivileged user namespace may mount a read-only tmpfs."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare")
    mount = tmp_path / "ro"
    mount.mkdir()
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o ro none {mount}"],
        capture_output=True,
        timeout=30,
    )
    if probe.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (no user namespaces)")
    scenario = tiny(tmp_path, "x", replications=1)
    command = (
        f"mount -t tmpfs -o ro none {mount} && "
        f"exec {BRAINGAIN} run {scenario} --out {mount}/out --no-progress"
    )
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", command], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    _refused(done.stderr, f"{mount}/out: cannot write there (Read-only file system)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_out_without_write_permission_exits_2(tmp_path, capsys):
    scenario = tiny(tmp_path, "x", replications=1)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert main(["run", str(scenario), "--out", str(locked / "out"), "--no-progress"]) == 2
    finally:
        locked.chmod(0o700)
    _refused(capsys.readouterr().err, str(locked / "out"))


# --- 3. the README's Python batch, and a batch where every run fails -----------------------------
def readme_python_batch() -> str:
    section = README.split("### From Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def _script_folder(tmp_path: Path) -> Path:
    """A folder where `scenarios/baseline.toml` and `scenarios/ict_leapfrog.toml` are tiny."""
    tiny(tmp_path / "scenarios", "baseline", world="teaching", years=3, agents=10)
    tiny(tmp_path / "scenarios", "ict_leapfrog", WHAT_IF, world="teaching", years=3, agents=10)
    return tmp_path


def test_the_readme_python_batch_runs_as_a_script(tmp_path):
    code = readme_python_batch()
    assert 'if __name__ == "__main__":' in code
    folder = _script_folder(tmp_path)
    (folder / "batch.py").write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "batch.py"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    frame = pd.read_parquet(folder / "results" / "mine" / "metrics.parquet")
    runs = frame.groupby("scenario")["replication"].nunique()
    assert runs.to_dict() == {"baseline": 20, "ict_leapfrog": 20}
    assert (folder / "results" / "mine" / "summary.csv").stat().st_size > 0
    assert "40 of 40 runs done, 0 failed" in done.stdout


def test_a_script_without_the_main_guard_fails_loudly_not_with_empty_tables(tmp_path):
    folder = _script_folder(tmp_path)
    (folder / "unguarded.py").write_text(
        "from experiments.batch import make_batch\n"
        "from experiments.runner import RunnerOptions, run_batch\n"
        "from experiments.scenario import load_scenarios\n"
        "scenarios = load_scenarios(['scenarios/baseline.toml'])\n"
        "batch = make_batch([s.with_options(replications=2) for s in scenarios])\n"
        "run_batch(batch, 'results/unguarded', RunnerOptions(workers=2, progress=False))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "unguarded.py"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    last = lines_of(done.stderr)[-1]
    assert last.startswith("experiments.errors.BatchFailedError: every run of the batch failed")
    assert 'put the call under `if __name__ == "__main__":`' in last
    assert not (folder / "results" / "unguarded" / "metrics.parquet").exists()


def test_run_batch_raises_when_every_run_failed(tmp_path):
    from experiments.testing import failing_task

    batch = make_batch(load_scenarios([tiny(tmp_path, "x", replications=3)]), failing_task)
    with pytest.raises(BatchFailedError, match="every run of the batch failed") as info:
        run_batch(batch, tmp_path / "out", RunnerOptions(workers=2, progress=False))
    result = info.value.result
    assert result.done == 0 and len(result.failed) == result.total == 3
    assert "injected failure in every run" in str(info.value)
    assert not (tmp_path / "out" / "metrics.parquet").exists()


@pytest.mark.parametrize("command", ["run", "compare"])
def test_the_cli_exits_1_when_every_run_failed(command, tmp_path, capsys):
    files = [str(tiny(tmp_path, "x", replications=2)), str(tiny(tmp_path, "y", replications=2))]
    task = ["--task", "experiments.testing:failing_task"]
    out = tmp_path / "out"
    argv = [command, *files, "--out", str(out), "--no-progress", *task]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "0 done" in captured.out and "4 failed" in captured.out
    assert len(lines_of(captured.err)) == 1
    assert captured.err.startswith("braingain: every run of the batch failed")
    assert "Traceback" not in captured.err
    assert not (out / "summary.csv").exists() and not (out / "comparison.csv").exists()


# --- 4. an installed wheel finds its scenarios from any directory --------------------------------
def test_a_wheel_installed_elsewhere_ships_the_scenarios(tmp_path):
    """Build a wheel from a copy of the tree, install it without dependencies into a fresh venv
    that sees this venv's packages, and use it from an empty folder: nothing of the checkout."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "results", "__pycache__", "*.egg-info", "build", "dist", ".*_cache"
        ),
    )
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    build += ["--no-index", "-q", "-w", str(wheels), str(source)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("braingain-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # dependencies from this venv: its directory only (its .pth files, among them the editable
    # install of the checkout, are not read)
    deps = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "braingain_test_dependencies.pth").write_text(deps + "\n", encoding="utf-8")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    subprocess.run([*install, "--no-index", "-q", str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    braingain = str(venv / "bin" / "braingain")
    # nothing of a checkout may leak in through the environment (e.g. a developer's PYTHONPATH)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def use(*args: str) -> str:
        done = subprocess.run(
            [braingain, *args], cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env
        )
        assert done.returncode == 0, f"braingain {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    assert use("--version").strip() == f"braingain {importlib.metadata.version('braingain')}"
    listing = use("list", "--scenarios")
    assert listing.startswith(f"scenarios shipped in {purelib}/scenarios ")
    for name in ("baseline", "global_convention", "ict_leapfrog"):
        assert re.search(rf"^\s+{name}\s+\S", listing, flags=re.M), name
    checked = use("check", "baseline", "global_convention.toml", "ict_leapfrog")
    assert checked.count("world default") == 3
    # a user's own what-if starts from the shipped baseline; shipped studies and the
    # calibration file are named like scenarios (README: every command works from any folder)
    mine = elsewhere / "mine.toml"
    mine.write_text('name = "mine"\nextends = "baseline"\n', encoding="utf-8")
    assert use("check", str(mine)).startswith("mine: world default")
    # the hindcast, shipped beside the calibration rather than in scenarios/, by name
    assert use("check", "hindcast_2000_2010").startswith("hindcast_2000_2010: world default")
    studied = use("sensitivity", "ishigami", "--samples", "2", "--workers", "1", "--no-progress")
    assert "ishigami: " in studied and (elsewhere / "results" / "ishigami" / "indices.csv").exists()
    planned = use("calibrate", "calibrate_1990_2000", "--check")
    assert planned.startswith("calibrate_1990_2000: world default1990")
    # --write-calibrated without a PATH would overwrite the installed calibration: refused
    shipped = Path(purelib) / "calibration"
    before = {p.name: p.read_bytes() for p in shipped.glob("calibrated*")}
    refused = subprocess.run(
        [braingain, "calibrate", "calibrate_1990_2000", "--write-calibrated", "--no-progress"],
        cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert len(lines_of(refused.stderr)) == 1 and "Traceback" not in refused.stderr
    assert f"would write {shipped / 'calibrated.toml'}, inside the installed" in refused.stderr
    assert "--write-calibrated ./calibrated.toml" in refused.stderr
    assert {p.name: p.read_bytes() for p in shipped.glob("calibrated*")} == before
    assert not list((elsewhere / "results").glob("calibrate*")), "nothing ran"
    printed = use("main", "--replications", "1", "--agents", "10", "--workers", "2")
    assert "baseline in 2030" in printed and "ict_leapfrog - baseline in 2030" in printed
    manifest = json.loads((elsewhere / "results" / "main" / "manifest.json").read_text())
    installed = Path(purelib).resolve() / "scenarios"
    assert all(Path(s["file"]).parent == installed for s in manifest["scenarios"])


# --- 5. the scenario README's tables are generated from the code ---------------------------------
def test_the_scenarios_readme_parameter_table_is_generated_and_checked(tmp_path):
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_parameter_table as generator
    finally:
        sys.path.remove(str(ROOT / "docs"))
    readme = ROOT / "scenarios" / "README.md"
    assert generator.main(["--check", "--doc", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    table = text.split("<!-- PARAMETERS:BEGIN -->")[1].split("<!-- PARAMETERS:END -->")[0]
    for row in parameter_table():
        if row["type"] != "bool":
            cells = _row(table.replace("|", "  "), f"`{row['name']}`")
            assert float(cells[3]) == row["default"], row["name"]
    # a hand edit of one default (0.3 -> 0.45, as it once was) is caught
    name, default = next(
        (r["name"], r["default"]) for r in parameter_table() if r["type"] == "float"
    )
    stale = tmp_path / "README.md"
    pattern = rf"(\| `{name}` \|[^|]*\|[^|]*\| ){default:g} \|"
    wrong = "0.45" if default != 0.45 else "0.46"
    edited, count = re.subn(pattern, rf"\g<1>{wrong} |", text)
    assert count == 1
    stale.write_text(edited, encoding="utf-8")
    assert generator.main(["--check", "--doc", str(stale)]) == 1


# --- 6 and 7. units, and every compared year on the console --------------------------------------
@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """`compare base alt --years 2002,2004` run through the CLI; its console output."""
    folder = tmp_path_factory.mktemp("compared")
    files = [tiny(folder, "base"), tiny(folder, "alt", WHAT_IF)]
    out = folder / "out"
    printed = io.StringIO()
    argv = ["compare", *map(str, files), "--years", "2002,2004", "--out", str(out)]
    with contextlib.redirect_stdout(printed):
        assert main([*argv, "--workers", "2", "--no-progress"]) == 0
    batch = make_batch(load_scenarios(files))
    comparison = compare(out / "metrics.parquet", batch, "base", ["alt"], [2002, 2004])
    return batch, comparison, printed.getvalue()


def test_compare_prints_every_requested_year(compared):
    _, _, printed = compared
    assert "alt - base in 2002" in printed and "alt - base in 2004" in printed
    assert printed.index("alt - base in 2002") < printed.index("alt - base in 2004")
    assert "Δ net brain gain (pp)" in printed and "Δ human capital (pp)" in printed


def test_units_come_from_metrics_shares_in_percent_and_their_differences_in_points():
    for name, metric in METRICS.items():
        shown = display(name)
        if metric.unit == "share":
            assert (shown.scale, shown.level, shown.difference) == (100, "percent", POINTS)
        elif metric.unit == "share difference":
            assert (shown.scale, shown.level, shown.difference) == (100, POINTS, POINTS)
        else:
            assert (shown.scale, shown.level) == (1, metric.unit)
    assert display("net_brain_gain").level == POINTS


def test_figures_and_console_show_the_same_numbers_in_the_same_units(compared, capsys):
    batch, comparison, _ = compared
    levels = comparison.levels
    world = levels[(levels["scenario"] == "base") & (levels["area"] == "WLD")]
    last = world[world["year"] == world["year"].max()].set_index("metric")["mean"]
    print_baseline(comparison, batch)
    console = capsys.readouterr().out
    assert "human capital (%)" in console and "net brain gain (pp)" in console
    world_row = next(line for line in console.splitlines() if "World" in line)
    assert f"{written(100 * last['human_capital'], decimals=1)}%" in world_row
    assert written(100 * last["net_brain_gain"], signed=True) in world_row

    figure = level_figure(levels, "human_capital")
    panel = next(ax for ax in figure.axes if ax.get_title() == "World")
    assert panel.get_ylabel() == "percent" and "(percent)" in figure.get_suptitle()
    base_line = next(line for line in panel.lines if line.get_label() == "base")
    assert base_line.get_ydata()[-1] == pytest.approx(100 * last["human_capital"])
    assert level_figure(levels, "net_brain_gain").axes[0].get_ylabel() == POINTS
    for metric in ("human_capital", "net_brain_gain", "skilled_emigration_rate"):
        diff = difference_figure(comparison.differences, metric)
        assert {ax.get_ylabel() for ax in diff.axes if ax.get_visible()} == {POINTS}
    import matplotlib.pyplot as plt

    plt.close("all")


# --- 8. errors name the option typed -------------------------------------------------------------
def test_main_with_too_few_agents_blames_agents_not_set(tmp_path, capsys):
    assert main(["main", "--agents", "5", "--out", str(tmp_path / "m"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("braingain: error: --agents 5: ") and "--set" not in err
    assert "allowed" in err and len(lines_of(err)) == 1
    assert not (tmp_path / "m").exists()


# --- 9. a refused --out says what changed --------------------------------------------------------
def test_a_refused_out_says_which_setting_changed(tmp_path, capsys):
    scenario = tiny(tmp_path, "x", replications=1)
    out = str(tmp_path / "out")
    common = ["--out", out, "--no-progress", "--workers", "1"]
    assert main(["run", str(scenario), *common]) == 0
    capsys.readouterr()

    def refusal(*argv: str) -> str:
        assert main(["run", str(scenario), *common, *argv]) == 2
        err = capsys.readouterr().err
        assert len(lines_of(err)) == 1 and "--overwrite" in err
        return err

    assert "(parameter agents_per_country: 30 -> 40)" in refusal("--set", "agents_per_country=40")
    assert "(seed: 7 -> 8)" in refusal("--seed", "8")
    tiny(tmp_path, "x", WHAT_IF, replications=1, years=4)
    err = refusal()
    assert "years: 5 -> 4" in err and "events: 0 -> 1" in err
    manifest = Path(out) / "manifest.json"
    recorded = json.loads(manifest.read_text())
    recorded["code_fingerprint"] = "0123456789abcdef"
    manifest.write_text(json.dumps(recorded))
    assert "model code changed" in refusal()


def test_changed_events_are_named_field_by_field(tmp_path):
    from experiments.batch import manifest_entry
    from experiments.manifest import scenario_changes

    old = load_scenarios([tiny(tmp_path / "a", "x", WHAT_IF)])[0]
    new = load_scenarios([tiny(tmp_path / "b", "x", WHAT_IF.replace("2002", "2003"))])[0]
    recorded = json.loads(json.dumps(manifest_entry(old)))
    assert scenario_changes(recorded, old) == []
    assert scenario_changes(recorded, new) == ["events[0].year: 2002 -> 2003"]


# --- 10. the Dask recipes bind to named addresses ------------------------------------------------
def dask_recipes() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    recipes = [
        [line for line in block.replace("\\\n", " ").splitlines() if line.startswith("dask ")]
        for block in blocks
        if "dask scheduler" in block
    ]
    assert len(recipes) == 2, "a cluster recipe and a laptop recipe"
    return recipes


def test_every_dask_command_in_the_readme_names_its_address():
    for recipe in dask_recipes():
        for line in recipe:
            assert "--host " in line and "--dashboard-address " in line, line
    laptop = next(r for r in dask_recipes() if "127.0.0.1" in r[0])
    assert all("0.0.0.0" not in line and "127.0.0.1" in line for line in laptop)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_laptop_dask_recipe_listens_on_loopback_only():
    """Start the README's laptop recipe (on free ports) and look at every socket it listens on."""
    psutil = pytest.importorskip("psutil")
    distributed = pytest.importorskip("distributed")
    laptop = next(r for r in dask_recipes() if "127.0.0.1" in r[0])
    ports = {"8786": str(_free_port()), "8787": str(_free_port())}
    processes = []
    try:
        for line in laptop:
            for old, new in ports.items():
                line = line.replace(f":{old}", f":{new}")
            argv = line.split()
            argv[0] = str(BIN / "dask")
            if argv[1] == "scheduler" and "--port" not in argv:
                argv += ["--port", ports["8786"]]
            processes.append(
                subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            time.sleep(0.5)
        with distributed.Client(f"tcp://127.0.0.1:{ports['8786']}", timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)
        listening = set()
        for process in processes:
            tree = psutil.Process(process.pid)
            for member in [tree, *tree.children(recursive=True)]:
                listening |= {
                    c.laddr.ip
                    for c in member.net_connections(kind="inet")
                    if c.status == psutil.CONN_LISTEN
                }
        assert listening == {"127.0.0.1"}
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
