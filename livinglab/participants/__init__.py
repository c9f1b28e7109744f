"""Participants."""
