"""Dorset Living Lab core: app factory, accounts, organisations, participants, sites, audit."""

from livinglab.app import create_app

__all__ = ["create_app"]
