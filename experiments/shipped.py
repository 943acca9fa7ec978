"""The files shipped with braingain (scenarios, experiment files, the calibration file), found
through importlib.resources.

They live in installed packages (`scenarios`, `experiments/studies`, `calibration`), so a name
given instead of a path (`braingain run climate_stress`, `braingain sensitivity ishigami`,
`extends = "baseline"`) works from any directory after a plain `pip install`. One resolver
serves every command and `extends`: an existing file wins, then the shipped file of that name.
"""

from __future__ import annotations

import atexit
import difflib
import fnmatch
import functools
import tomllib
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from experiments.errors import UserError


@dataclass(frozen=True)
class ShippedKind:
    """One kind of shipped file: where it is installed and which files count."""

    noun: str  # what the messages call it ("scenario")
    package: str  # the installed package holding the files
    subfolder: str  # inside the package ("" for its top)
    pattern: str = "*.toml"  # the files of this kind in that folder
    also: tuple[ShippedKind, ...] = ()  # other folders whose files are accepted by name too

    @property
    def repository_parts(self) -> tuple[str, ...]:
        """The folder in the repository (the package's folder there, e.g. experiments/studies)."""
        return tuple(part for part in (self.package, self.subfolder) if part)

    def folder(self) -> Path:
        return _real_folder(self.package, self.subfolder)

    def names(self) -> list[str]:
        """The files of this kind's own folder, without .toml, sorted."""
        return sorted(p.stem for p in self.folder().glob(self.pattern) if p.is_file())

    def all_names(self) -> list[str]:
        """The names a command accepts: this folder's and those of `also`, sorted."""
        return sorted({name for kind in (self, *self.also) for name in kind.names()})


# The hindcast is a scenario file, but a check of the calibration rather than a what-if: it lives
# in calibration/ so that `scenarios/*.toml` globs the what-ifs alone, and is found by name too.
HINDCASTS = ShippedKind("scenario", "calibration", "", "hindcast_*.toml")
SCENARIOS = ShippedKind("scenario", "scenarios", "", also=(HINDCASTS,))
EXPERIMENTS = ShippedKind("experiment", "experiments", "studies")
CALIBRATIONS = ShippedKind("calibration", "calibration", "", "calibrate_*.toml")


@functools.cache
def _real_folder(package: str, subfolder: str) -> Path:
    """A package folder as a real path (`extends` and relative paths in the files need one)."""
    folder = files(package)
    if subfolder:
        folder = folder.joinpath(subfolder)
    if isinstance(folder, Path):
        return folder
    stack = ExitStack()  # installed inside a zip: extracted for this process
    atexit.register(stack.close)
    return stack.enter_context(as_file(folder))


def installed_shipped_file(path: Path, kind: ShippedKind) -> bool:
    """Whether `path` lies inside an installed copy of `kind`'s package (a `pip install .`,
    a wheel, a zip), as opposed to a source checkout, so that commands never write there.

    The rule: the file is inside the folder the package is imported from, and that folder's
    parent holds no pyproject.toml naming braingain. A source checkout (the git repository, a
    worktree, an unpacked sdist, and an editable install, which imports from one of these) has
    that pyproject.toml beside its packages; an installation never has: pip puts the packages
    into site-packages without it, and a zipped install is extracted to a temporary folder.
    Writing into an installation would silently change the shipped file (or fail where
    site-packages is read-only); writing into a checkout is how developers update it.
    """
    package = _real_folder(kind.package, "").resolve()
    if not path.resolve().is_relative_to(package):
        return False
    return not _is_project_folder(package.parent)


def _is_project_folder(folder: Path) -> bool:
    """Whether `folder` holds braingain's pyproject.toml (a source checkout)."""
    try:
        with open(folder / "pyproject.toml", "rb") as fh:
            return tomllib.load(fh).get("project", {}).get("name") == "braingain"
    except (OSError, tomllib.TOMLDecodeError):
        return False


@dataclass(frozen=True)
class ShippedScenario:
    name: str  # the file name without .toml (what the command line accepts)
    description: str
    path: Path


def shipped_folder() -> Path:
    """The folder of the shipped scenario files."""
    return SCENARIOS.folder()


def shipped_scenarios() -> list[ShippedScenario]:
    """Every shipped scenario (the what-ifs, then the hindcast), by name; the description is read
    without validating the file."""
    found = []
    for path in [k.folder() / f"{n}.toml" for k in (SCENARIOS, *SCENARIOS.also) for n in k.names()]:
        name = path.stem
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
            description = str(table.get("description", ""))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            description = "(unreadable: run braingain check on it)"
        found.append(ShippedScenario(name, description, path))
    return found


def shipped_file(text: str | Path, kind: ShippedKind = SCENARIOS) -> Path | None:
    """The shipped file that `text` names, or None: a name (`baseline`, `baseline.toml`) or the
    file's path in the repository (`scenarios/baseline.toml`, so the README's commands work
    outside a checkout); the folders of `kind.also` are searched next."""
    path = Path(text)
    name = path.name.removesuffix(".toml")
    for each in (kind, *kind.also):
        if path.is_absolute() or path.parent.parts not in ((), each.repository_parts):
            continue
        found = each.folder() / f"{name}.toml"
        if name and fnmatch.fnmatch(found.name, each.pattern) and found.is_file():
            return found
    return None


def missing_message(text: str | Path, kind: ShippedKind = SCENARIOS) -> str:
    """Why `text` names nothing: a suggestion from the shipped names and the allowed forms."""
    article = "an" if kind.noun[0] in "aeiou" else "a"
    return (
        f"no such file or shipped {kind.noun}{suggestion(text, kind)}; allowed: {article} "
        f"{kind.noun} .toml path or one of {', '.join(kind.all_names())}"
    )


def suggestion(text: str | Path, kind: ShippedKind = SCENARIOS) -> str:
    """' (did you mean 'NAME'?)' for the closest shipped name, or ''."""
    close = difflib.get_close_matches(Path(text).name.removesuffix(".toml"), kind.all_names(), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def resolve(text: str | Path, kind: ShippedKind = SCENARIOS) -> Path:
    """A command-line argument: an existing path, else the shipped file it names; else a
    UserError naming what is allowed."""
    path = Path(text)
    if path.exists():
        return path
    found = shipped_file(text, kind)
    if found is None:
        raise UserError(f"{text}: {missing_message(text, kind)}")
    return found


def scenario_path(text: str | Path) -> Path:
    """A scenario argument (see `resolve`)."""
    return resolve(text, SCENARIOS)


def referenced_scenario(here: Path, text: str) -> Path:
    """A scenario named inside a file (`extends`, a calibration's `scenario`): the path relative
    to the file's folder `here` if that file exists, else the shipped scenario of that name,
    else the relative path (the caller reports it missing)."""
    local = (here / text).resolve()
    if local.is_file():
        return local
    found = shipped_file(text, SCENARIOS)
    return found.resolve() if found is not None else local
