"""[privacy] and [accessibility]: what the city fills in, checked like the rest of routing.toml,
and its shipped examples marked "PLACEHOLDER:" — warnings for `wegweiser check` (exit 0),
a refusal for `wegweiser check --release`, the go-live gate behind `make release`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.admin.cli import main
from chalicelib.core.routing import Compliance, PartnerRole
from chalicelib.core.routing_file import (
    BUNDLED_ROUTING_FILE,
    PLACEHOLDER_MARK,
    RoutingConfigError,
    bundled_routing,
    parse_routing_text,
)

BUNDLED = BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")
# Every placeholder the city must settle before going live, as routing.toml ships them.
SHIPPED_PLACEHOLDERS = [
    "privacy.email", "privacy.dpo_address", "privacy.dpo_email", "privacy.legal_basis",
    "privacy.partners.verein", "privacy.partners.drk", "accessibility.compliance",
    "accessibility.law", "accessibility.feedback_email", "accessibility.enforcement_body",
    "accessibility.enforcement_address",
]


def settled(text: str = BUNDLED) -> str:
    """The file as the city leaves it before going live: every placeholder confirmed."""
    return text.replace(f'"{PLACEHOLDER_MARK} ', '"')


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


def problems_of(text: str) -> list[str]:
    with pytest.raises(RoutingConfigError) as refused:
        parse_routing_text(text)
    return [p.located("routing.toml") for p in refused.value.problems]


# ------------------------------------------------------------------- the model


def test_the_shipped_values_are_read_without_their_mark_and_listed_as_placeholders() -> None:
    config = bundled_routing()

    assert [p.path for p in config.placeholders] == SHIPPED_PLACEHOLDERS
    assert config.privacy.dpo_email == "datenschutzbeauftragte@flensburg.de"
    assert config.privacy.partners == {"verein": PartnerRole.JOINT, "drk": PartnerRole.SEPARATE}
    assert config.accessibility.compliance is Compliance.PARTIAL
    assert config.accessibility.enforcement_address == "Karolinenweg 1, 24105 Kiel"
    assert all(not p.value.startswith(PLACEHOLDER_MARK) for p in config.placeholders)


def test_each_placeholder_knows_its_line_in_the_file() -> None:
    config = bundled_routing()

    lines = {p.path: p.line for p in config.placeholders}

    assert lines["privacy.dpo_email"] == line_of(BUNDLED, "dpo_email = ")
    assert lines["privacy.partners.drk"] == line_of(BUNDLED, "partners.drk = ")
    assert lines["accessibility.enforcement_address"] == line_of(BUNDLED, "enforcement_address")


def test_a_settled_file_has_no_placeholder_and_the_same_values() -> None:
    shipped, confirmed = bundled_routing(), parse_routing_text(settled())

    assert confirmed.placeholders == ()
    assert confirmed.privacy == shipped.privacy
    assert confirmed.accessibility == shipped.accessibility


def test_the_controller_is_named_as_a_legal_entity_and_no_longer_by_a_persons_mailbox() -> None:
    privacy = bundled_routing().privacy

    assert privacy.legal_entity == "Stadt Flensburg"
    assert privacy.controller.key == "stadt"
    assert "schulz" not in privacy.email
    assert "LDSG" in privacy.legal_basis


# ------------------------------------------------------------- wegweiser check


def test_check_warns_of_each_placeholder_with_its_line_and_still_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check"]) == 0

    out, err = capsys.readouterr()
    assert ": OK — 7 topics, 3 contacts," in out
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert [re.search(r"warning: (\S+) is a placeholder", w).group(1)  # type: ignore[union-attr]
            for w in warnings] == SHIPPED_PLACEHOLDERS
    assert f"routing.toml:{line_of(BUNDLED, 'dpo_email = ')}: warning: privacy.dpo_email is a " \
           "placeholder ('datenschutzbeauftragte@flensburg.de')" in err
    assert err.splitlines()[-1].startswith(
        "warning: 11 placeholders: the city confirms or replaces each value")
    assert "`make release STAGE=prod` refuses them" in err


def test_the_stage_check_of_make_package_warns_too_and_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--stage", "prod"]) == 0

    assert "warning: privacy.legal_basis is a placeholder" in capsys.readouterr().err


def test_the_release_check_refuses_naming_every_placeholder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--stage", "prod", "--release"]) == 1

    out = capsys.readouterr().out.splitlines()
    named = [re.search(r": (\S+) is still a placeholder", line) for line in out[:-1]]
    assert [m.group(1) for m in named if m] == SHIPPED_PLACEHOLDERS
    assert out[-1].startswith("release refused: 11 placeholders left in ")
    assert "OK" not in "\n".join(out)


def test_the_release_check_passes_a_settled_file_without_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = written(tmp_path, settled())

    assert main(["check", str(path), "--release"]) == 0

    out, err = capsys.readouterr()
    assert out == f"{path}: OK — 7 topics, 3 contacts, 0 absences\n"
    assert err == ""


def test_one_placeholder_left_is_enough_to_refuse_the_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    text = settled().replace('dpo_email = "', f'dpo_email = "{PLACEHOLDER_MARK} ')
    path = written(tmp_path, text)

    assert main(["check", str(path), "--release"]) == 1

    out = capsys.readouterr().out
    assert out.startswith(f"{path}:{line_of(text, 'dpo_email')}: privacy.dpo_email is still a "
                          "placeholder ('datenschutzbeauftragte@flensburg.de')\n")
    assert "release refused: 1 placeholder left" in out


# ---------------------------------------------------------- the checks of the tables


def test_a_privacy_table_without_the_data_protection_officer_is_refused_on_its_header() -> None:
    text = re.sub(r"^dpo_email = .*\n", "", BUNDLED, flags=re.MULTILINE)

    assert problems_of(text) == [
        f"routing.toml:{line_of(text, '[privacy]')}: privacy: missing 'dpo_email'"]


def test_a_placeholder_email_must_still_be_an_address() -> None:
    text = BUNDLED.replace('"PLACEHOLDER: datenschutzbeauftragte@flensburg.de"',
                           '"PLACEHOLDER: the officer\'s address"')

    (problem,) = problems_of(text)
    assert problem.startswith(f"routing.toml:{line_of(text, 'dpo_email')}: privacy.dpo_email: ")


def test_an_unknown_partner_role_is_refused_with_a_hint() -> None:
    text = BUNDLED.replace('partners.drk = "PLACEHOLDER: separate"', 'partners.drk = "seperate"')

    assert problems_of(text) == [
        f"routing.toml:{line_of(text, 'partners.drk')}: privacy.partners.drk: 'seperate' is not "
        "one of separate, joint, processor (did you mean 'separate'?)"]


def test_every_organisation_but_the_controller_needs_its_partner_role() -> None:
    text = BUNDLED.replace('partners.drk = "PLACEHOLDER: separate"\n', "")

    assert problems_of(text) == [
        f"routing.toml:{line_of(text, 'partners.verein')}: privacy.partners.drk: missing: how "
        "does drk stand to the controller? (separate, joint or processor)"]


def test_the_controller_is_no_partner_of_itself() -> None:
    text = BUNDLED.replace('partners.drk = "PLACEHOLDER: separate"\n',
                           'partners.drk = "separate"\npartners.stadt = "joint"\n')

    assert problems_of(text) == [
        f"routing.toml:{line_of(text, 'partners.stadt')}: privacy.partners.stadt: stadt is the "
        "controller itself (partners are the other organisations)"]


def test_an_accessibility_statement_needs_a_known_state_of_compliance_and_a_real_date() -> None:
    text = (BUNDLED.replace('compliance = "PLACEHOLDER: partial"', 'compliance = "mostly"')
            .replace("prepared_on = 2026-12-01", 'prepared_on = "December"'))

    assert problems_of(text) == [
        f"routing.toml:{line_of(text, 'compliance')}: accessibility.compliance: 'mostly' is not "
        "one of full, partial, none",
        f"routing.toml:{line_of(text, 'prepared_on')}: accessibility.prepared_on: 'December' is "
        "not a date (write it as 2026-12-01, without quotes)",
    ]


def test_a_file_without_an_accessibility_table_is_refused() -> None:
    start = BUNDLED.index("\n[accessibility]\n")
    end = BUNDLED.index("\n# ---", start)
    text = BUNDLED[:start] + BUNDLED[end:]

    assert problems_of(text) == ["routing.toml: the file: missing 'accessibility'"]


def test_special_category_is_true_or_false_without_quotes() -> None:
    text = BUNDLED.replace("special_category = true", 'special_category = "yes"')

    assert problems_of(text) == [
        f"routing.toml:{line_of(text, 'special_category')}: topics.health.special_category: "
        "'yes' is neither true nor false (true when its inquiries usually hold health data, "
        "without quotes)"]


# ---------------------------------------------------------- what routing.toml says


def comments(text: str) -> str:
    """The comment lines of a part of the file, as one text."""
    return " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))


def test_routing_toml_explains_the_mark_and_the_gate_where_the_values_are() -> None:
    head = comments(BUNDLED[:BUNDLED.index("\n[privacy]\n")])

    assert 'A value that begins with "PLACEHOLDER:"' in head
    assert "`make release STAGE=prod`" in head


def test_routing_toml_says_the_press_office_must_not_keep_the_health_inquiries() -> None:
    before_contact = comments(
        BUNDLED[:BUNDLED.index("[contacts.andrea-becker]")].rsplit("\n\n", 1)[1])

    assert "A press office should not receive" in before_contact
    assert "health data" in before_contact
    assert "counselling address" in before_contact
