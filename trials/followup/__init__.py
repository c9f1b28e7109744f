"""Follow-up: visit schedules made at randomisation, and the lists of visits due."""
