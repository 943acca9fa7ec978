"""The yearly mechanisms M1-M9 of docs/ODD.md §3.3, one module each, vectorised over agents."""
