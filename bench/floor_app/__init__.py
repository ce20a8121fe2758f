"""The floor app of the bench: a bare Chalice app (see app.py here)."""
