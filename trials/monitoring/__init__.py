"""Recruitment monitoring and representativeness against Dorset's population."""
