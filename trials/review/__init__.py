"""Trials: review."""
