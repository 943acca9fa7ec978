"""Score of a mutation run per file: reads `mutmut results --all true` on stdin (`make mutation`).

A mutant counts as killed when a test failed (killed) or ran out of time (timeout: the mutant
made the code loop or crawl); the score is killed / all mutants checked. Mutants a stopped run
did not reach are counted apart ("unchecked"): a score with unchecked mutants is partial.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

KILLED = {"killed", "timeout"}


def scores(lines: list[str]) -> dict[str, Counter]:
    """Status counts per source file, from lines like `simulation.choice.x_f__mutmut_3: killed`."""
    by_file: dict[str, Counter] = defaultdict(Counter)
    for line in lines:
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        # functions are `module.x_name__mutmut_N`, methods `module.xǁClassǁname__mutmut_N`
        module = re.split(r"\.x[_ǁ]", name)[0]
        by_file[module.replace(".", "/") + ".py"][status] += 1
    return by_file


def main() -> None:
    by_file = scores(sys.stdin.read().splitlines())
    if not by_file:
        sys.exit("no mutants found: run `mutmut run` first")
    total: Counter = Counter()
    header = ("killed", "survived", "other", "checked", "unchecked", "score")
    print(f"{'file':44} " + " ".join(f"{h:>9}" for h in header))
    for path in sorted(by_file):
        counts = by_file[path]
        total.update(counts)
        report(path, counts)
    report("all", total)


def report(label: str, counts: Counter) -> None:
    killed = sum(counts[s] for s in KILLED)
    survived = counts["survived"]
    unchecked = counts["not checked"]
    checked = sum(counts.values()) - unchecked
    other = checked - killed - survived
    score = f"{100 * killed / checked:5.1f}%" if checked else "-"
    numbers = " ".join(f"{x:9d}" for x in (killed, survived, other, checked, unchecked))
    print(f"{label:44} {numbers} {score:>9}")


if __name__ == "__main__":
    main()
