"""Tests for the questionnaire library."""
