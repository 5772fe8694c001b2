"""The OpenID Connect relying party, built on Authlib: discovery, the authorization URL (state,
nonce, PKCE S256), the code exchange, the ID token (signature, issuer, audience, expiry, nonce,
at_hash: Authlib's `CodeIDToken`), the userinfo (a signed JWT at FranceConnect and ProConnect,
verified by joserfc with the provider's keys) and the logout URL with `id_token_hint`.

Nothing here touches the database or the request: the route hands in the provider's settings and
the values stored for the sign-in, and gets claims back or a `ProviderError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client import (
    BaseApp,
    FrameworkIntegration,
    OAuth2Mixin,
    OAuthError,
    OpenIDMixin,
)
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from portal.settings import OidcProvider

# Asymmetric signatures only: FranceConnect v2 and ProConnect sign with RS256 or ES256; "none"
# and secret-keyed algorithms are never accepted, whatever a provider's metadata says.
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
LEEWAY_SECONDS = 60


class ProviderError(Exception):
    """The provider could not be reached, or answered something that is not a valid sign-in.

    `kind`: "unavailable" (network, timeout, 5xx), "refused" (an OAuth error from the token
    endpoint, such as an expired or reused code), "invalid" (a bad token or metadata)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class _NoFramework(FrameworkIntegration):
    """Authlib's framework hook; the portal keeps no access token after a sign-in."""

    def update_token(
        self, token: object, refresh_token: object = None, access_token: object = None
    ) -> None:
        return None


class RelyingParty(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's synchronous OpenID client (as its Flask and Django integrations build it) on
    httpx; handlers of the portal are synchronous and run in a worker thread."""

    client_cls = OAuth2Client


@dataclass(frozen=True)
class VerifiedSignIn:
    issuer: str
    subject: str
    claims: dict[str, object]
    id_token: str


def relying_party(provider: OidcProvider) -> RelyingParty:
    return RelyingParty(
        _NoFramework(provider.name),
        name=provider.name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.metadata_url,
        client_kwargs={
            "scope": " ".join(provider.scopes),
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_post",
            "timeout": provider.timeout_seconds,
        },
    )


def discover(rp: RelyingParty, provider: OidcProvider) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = rp.load_server_metadata()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderError("unavailable", f"discovery: {exc}") from exc
    if metadata.get("issuer") != provider.issuer:
        # OpenID Connect Discovery 1.0, section 4.3: the issuer must be the one configured.
        raise ProviderError("invalid", f"issuer {metadata.get('issuer')!r} in the metadata")
    metadata["id_token_signing_alg_values_supported"] = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported", SIGNING_ALGORITHMS)
        if alg in SIGNING_ALGORITHMS
    ]
    return metadata


def authorization_url(
    rp: RelyingParty,
    provider: OidcProvider,
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
    locale: str = "fr",
) -> str:
    discover(rp, provider)
    extra: dict[str, str] = {"ui_locales": locale}
    if provider.acr_values:
        extra["acr_values"] = provider.acr_values
    result = rp.create_authorization_url(
        redirect_uri, state=state, nonce=nonce, code_verifier=code_verifier, **extra
    )
    return str(result["url"])


def complete(
    rp: RelyingParty,
    provider: OidcProvider,
    *,
    code: str,
    redirect_uri: str,
    nonce: str,
    code_verifier: str,
) -> VerifiedSignIn:
    """Exchange the code, verify the ID token, read the userinfo: the claims of the person."""
    metadata = discover(rp, provider)
    try:
        token = rp.fetch_access_token(
            redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
        )
    except OAuthError as exc:
        raise ProviderError("refused", f"token endpoint: {exc.error}") from exc
    except httpx.HTTPError as exc:
        raise ProviderError("unavailable", f"token endpoint: {exc}") from exc
    if "id_token" not in token or "access_token" not in token:
        raise ProviderError("invalid", "the token response holds no ID token")
    # The issuer, and the level of assurance when one was asked (FranceConnect's `eidas1`):
    # a sign-in at another level than the settings ask for is refused.
    options: dict[str, dict[str, object]] = {"iss": {"values": [metadata["issuer"]]}}
    if provider.acr_values:
        options["acr"] = {"essential": True, "values": provider.acr_values.split()}
    try:
        id_claims = rp.parse_id_token(
            token, nonce=nonce, claims_options=options, leeway=LEEWAY_SECONDS
        )
    except (JoseError, ValueError) as exc:
        raise ProviderError("invalid", f"ID token: {exc}") from exc
    except httpx.HTTPError as exc:
        raise ProviderError("unavailable", f"keys: {exc}") from exc
    userinfo = _userinfo(rp, provider, metadata, token)
    if userinfo.get("sub") != id_claims["sub"]:
        # OpenID Connect Core 1.0, section 5.3.4: the userinfo must be about the same person.
        raise ProviderError("invalid", "the userinfo is about another subject")
    claims = {**dict(id_claims), **userinfo}
    return VerifiedSignIn(
        issuer=str(id_claims["iss"]),
        subject=str(id_claims["sub"]),
        claims={k: v for k, v in claims.items() if k not in {"nonce", "at_hash", "c_hash"}},
        id_token=str(token["id_token"]),
    )


def _userinfo(
    rp: RelyingParty, provider: OidcProvider, metadata: dict[str, Any], token: dict[str, Any]
) -> dict[str, object]:
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        response = rp.get(endpoint, token=token)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ProviderError("unavailable", f"userinfo: {exc}") from exc
    if response.headers.get("content-type", "").split(";")[0].strip() != "application/jwt":
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError("invalid", "userinfo is not JSON") from exc
        if not isinstance(data, dict):
            raise ProviderError("invalid", "userinfo is not an object")
        return data
    # FranceConnect v2 and ProConnect sign the userinfo: checked with the provider's keys.
    try:
        keys = KeySet.import_key_set(rp.fetch_jwk_set())
        signed = jwt.decode(
            response.text.strip(), keys, registry=JWSRegistry(algorithms=SIGNING_ALGORITHMS)
        )
        jwt.JWTClaimsRegistry(
            iss={"essential": False, "value": provider.issuer},
            aud={"essential": False, "value": provider.client_id},
            leeway=LEEWAY_SECONDS,
        ).validate(signed.claims)
    except (JoseError, ValueError) as exc:
        raise ProviderError("invalid", f"userinfo JWT: {exc}") from exc
    except httpx.HTTPError as exc:
        raise ProviderError("unavailable", f"keys: {exc}") from exc
    return {k: v for k, v in signed.claims.items() if k not in {"iss", "aud", "iat", "exp"}}


def logout_url(
    rp: RelyingParty,
    provider: OidcProvider,
    *,
    id_token: str,
    post_logout_redirect_uri: str,
    state: str,
) -> str | None:
    """RP-initiated logout at the provider, or None if it offers none (or cannot be reached)."""
    try:
        metadata = discover(rp, provider)
    except ProviderError:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = rp.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token, state=state
    )
    return str(result["url"])
