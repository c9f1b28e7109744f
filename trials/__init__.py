"""Trial lifecycle: proposals, review, consent, enrolment, randomisation, observations."""
