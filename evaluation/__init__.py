"""Evaluation: analysis dataset, statistics, runs, reports and adoption decisions."""
