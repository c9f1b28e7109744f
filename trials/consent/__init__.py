"""Trials: consent."""
