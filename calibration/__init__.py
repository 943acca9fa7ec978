"""Calibration tools: build the default world from public data and fit the model to it."""
