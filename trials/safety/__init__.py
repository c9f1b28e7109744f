"""Adverse events: reporting, correcting and listing them, and alerting staff to serious ones."""
