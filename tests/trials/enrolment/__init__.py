"""Tests for the researcher's enrolment pages."""
