"""Counts in plain English for console lines ("1 figure", "2 figures")."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and the noun, singular for exactly one ("1 event", "0 events")."""
    return f"{number} {noun if number == 1 else (plural or noun + 's')}"
