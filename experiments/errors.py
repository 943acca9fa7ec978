"""Errors caused by the user's input: the CLI prints them without a traceback and exits 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input (scenario file, option, output folder): a message, never a traceback."""
