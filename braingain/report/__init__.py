"""Reports of results: the policy report (HTML, `braingain report`) and the console tables that
`braingain compare` and `braingain main` print."""

from braingain.report.build import Report, write_report
from braingain.report.console import print_baseline, print_differences

__all__ = ["Report", "print_baseline", "print_differences", "write_report"]
