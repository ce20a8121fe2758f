"""The admins' command line, `wegweiser`: check the routing, ask who gets what.

Rule (checked by import-linter): imports core, and reaches AWS only through wiring.py,
never an adapter directly.
"""
