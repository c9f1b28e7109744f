"""Outgoing email through an outbox table, delivered by ``flask send-mail``."""
