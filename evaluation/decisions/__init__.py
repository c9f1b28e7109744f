"""Adoption decisions."""
