"""Trials: randomisation."""
