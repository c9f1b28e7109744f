"""Who may take part in a trial: structured criteria, checked in Python and compiled to SQL."""
