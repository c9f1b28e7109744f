"""Trials: enrolment."""
