"""FranceConnect and ProConnect settings: off unless fully given, refused when half given or
unsafe, read by `load_settings` like every other setting."""

from __future__ import annotations

import pytest

from portal.settings import SettingsError, load_oidc_providers, load_settings

FC = {
    "PORTAL_FRANCECONNECT_ISSUER": "https://oidc.franceconnect.example/api/v2",
    "PORTAL_FRANCECONNECT_CLIENT_ID": "client",
    "PORTAL_FRANCECONNECT_CLIENT_SECRET": "secret",
}


def test_off_by_default() -> None:
    """No variable set: no provider, and the settings say so."""
    assert load_oidc_providers({}) == ()
    settings = load_settings({"PORTAL_SECRET_KEY": "k" * 40, "PORTAL_DATA_DIR": "/tmp"})
    assert settings.oidc_providers == ()


def test_franceconnect_with_its_defaults() -> None:
    """The three variables turn FranceConnect on with the scopes it names per claim."""
    (fc,) = load_oidc_providers(FC)
    assert fc.name == "franceconnect" and fc.client_id == "client"
    assert fc.scopes == ("openid", "given_name", "family_name", "email")
    assert fc.metadata_url == (
        "https://oidc.franceconnect.example/api/v2/.well-known/openid-configuration"
    )
    assert not fc.email_verified_by_provider and fc.allowed_sirets == frozenset()


def test_proconnect_sirets_and_options() -> None:
    """ProConnect reads its SIRET list, scopes, acr_values and discovery address."""
    (pc,) = load_oidc_providers({
        "PORTAL_PROCONNECT_ISSUER": "https://auth.proconnect.example/api/v2",
        "PORTAL_PROCONNECT_CLIENT_ID": "c",
        "PORTAL_PROCONNECT_CLIENT_SECRET": "s",
        "PORTAL_PROCONNECT_ALLOWED_SIRETS": " 21920073000011, 13002526500013 ,",
        "PORTAL_PROCONNECT_SCOPES": "openid email siret",
        "PORTAL_PROCONNECT_ACR_VALUES": "eidas1",
        "PORTAL_PROCONNECT_DISCOVERY_URL": "https://auth.proconnect.example/conf",
        "PORTAL_PROCONNECT_EMAIL_VERIFIED": "1",
    })  # fmt: skip
    assert pc.allowed_sirets == frozenset({"21920073000011", "13002526500013"})
    assert pc.scopes == ("openid", "email", "siret") and pc.acr_values == "eidas1"
    assert pc.metadata_url == "https://auth.proconnect.example/conf"
    assert pc.email_verified_by_provider


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"PORTAL_FRANCECONNECT_CLIENT_SECRET": ""}, "PORTAL_FRANCECONNECT_CLIENT_SECRET"),
        ({"PORTAL_FRANCECONNECT_ISSUER": "http://fc.example"}, "https://"),
        ({"PORTAL_FRANCECONNECT_SCOPES": "email"}, "openid"),
        ({"PORTAL_FRANCECONNECT_ALLOWED_SIRETS": "123"}, "14-digit"),
    ],
    ids=["half-configured", "plain-http", "no-openid", "bad-siret"],
)
def test_unsafe_or_half_configurations_are_refused(changes: dict[str, str], message: str) -> None:
    """A missing secret, an http issuer, scopes without openid, a malformed SIRET: refused."""
    with pytest.raises(SettingsError, match=message):
        load_oidc_providers({**FC, **changes})
