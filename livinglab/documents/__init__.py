"""Uploaded documents: product evidence and trial protocols, stored outside the web root."""
