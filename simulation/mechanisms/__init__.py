"""The yearly mechanisms M1-M9 of MODEL.md §4, one module each, vectorised over agents."""
