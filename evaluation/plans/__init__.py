"""The statistical analysis plan: written and locked before the data lock, followed by every run."""
