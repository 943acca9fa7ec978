"""The `braingain` command line (scenario batches, comparisons, the main job); see cli.py."""
