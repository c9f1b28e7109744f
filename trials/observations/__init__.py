"""Trials: observations."""
