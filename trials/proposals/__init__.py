"""Trials: proposals."""
