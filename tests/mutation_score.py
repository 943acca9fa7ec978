"""Score of a mutation run per file: reads `mutmut results --all true` on stdin (`make mutation`).

A mutant counts as killed when a test failed (killed) or ran out of time (timeout: the mutant
made the code loop or crawl); the score is killed / all mutants checked.
"""

from __future__ import annotations

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
        module = name.split(".x_")[0] if ".x_" in name else name.rsplit(".", 2)[0]
        by_file[module.replace(".", "/") + ".py"][status] += 1
    return by_file


def main() -> None:
    by_file = scores(sys.stdin.read().splitlines())
    if not by_file:
        sys.exit("no mutants found: run `mutmut run` first")
    total: Counter = Counter()
    print(f"{'file':44} {'killed':>7} {'survived':>8} {'other':>6} {'total':>6} {'score':>6}")
    for path in sorted(by_file):
        counts = by_file[path]
        total.update(counts)
        report(path, counts)
    report("all", total)


def report(label: str, counts: Counter) -> None:
    killed = sum(counts[s] for s in KILLED)
    survived = counts["survived"]
    checked = sum(counts.values()) - counts["not checked"]
    other = checked - killed - survived
    score = f"{100 * killed / checked:5.1f}%" if checked else "  -"
    print(f"{label:44} {killed:7d} {survived:8d} {other:6d} {checked:6d} {score:>6}")


if __name__ == "__main__":
    main()
