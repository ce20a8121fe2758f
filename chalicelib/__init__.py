"""Wegweiser's logic: everything app.py's routes and handlers call."""
