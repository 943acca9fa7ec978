"""The shipped scenario files (`*.toml`, documented in README.md here).

A package only so that the files are installed with braingain and found through
importlib.resources (`braingain list`, `braingain main`, scenario names on the command line)
wherever braingain runs; in a checkout they are simply `scenarios/*.toml`.
"""
