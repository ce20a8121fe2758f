"""A tiny routing config for tests that need their own: one clinic, two contacts.

Frida speaks German only; Samir also speaks Arabic (and reads his staff emails in it).
Tests add their topics (with LABELS) and anything else they need below CLINIC.
"""

LABELS = (
    'labels = { de = "Gesundheit", en = "Health", ar = "الصحة", uk = "Здоров’я", '
    'ru = "Здоровье", fa = "سلامت", tr = "Sağlık", ps = "روغتیا", kmr = "Tenduristî" }'
)

CLINIC = """
[privacy]
controller = "clinic"
legal_entity = "Klinik am Hafen gGmbH"
address = "Hafendamm 1, 24937 Flensburg"
email = "privacy@example.org"
dpo_address = "Hafendamm 1, 24937 Flensburg"
dpo_email = "dpo@example.org"
legal_basis = "§ 3 LDSG"

[accessibility]
compliance = "partial"
law = "BITV 2.0"
prepared_on = 2026-12-01
feedback_email = "access@example.org"
enforcement_body = "Beschwerdestelle"
enforcement_address = "Karolinenweg 1, 24105 Kiel"

[organisations.clinic]
name = "Klinik am Hafen"

[contacts.first]
name = "Frida First"
email = "first@example.org"
organisation = "clinic"
staff_language = "de"
languages = ["de"]

[contacts.second]
name = "Samir Second"
email = "second@example.org"
organisation = "clinic"
staff_language = "ar"
languages = ["de", "ar"]
"""
