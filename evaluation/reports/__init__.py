"""Building blocks of the evaluation report: CONSORT flow, baseline, safety, charts, PDF.

Each builder returns frozen dataclasses of counts only (``to_dict()`` is JSON-safe, so a
result can be stored in an analysis run); no name, email, date of birth or postcode
leaves these functions. Templates under ``templates/evaluation/reports/`` render them.
"""
