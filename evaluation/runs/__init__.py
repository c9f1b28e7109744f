"""Analysis runs."""
