"""Invitations from the registry to one trial, and the volunteer's answer."""
