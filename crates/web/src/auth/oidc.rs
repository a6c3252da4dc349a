//! OpenID Connect sign-in: authorization code flow with PKCE, state and nonce, as NHS CIS2
//! uses. The provider is discovered from its issuer URL at start-up.

use crate::config::OidcSettings;
use anyhow::Context;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

pub struct OidcClient {
    client: Client,
    http: openidconnect::reqwest::Client,
    scopes: Vec<String>,
}

/// What must survive the round trip to the provider, kept in a short-lived cookie.
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl PendingSignIn {
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.state, self.nonce, self.pkce_verifier)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let p = PendingSignIn {
            state: parts.next()?.to_owned(),
            nonce: parts.next()?.to_owned(),
            pkce_verifier: parts.next()?.to_owned(),
        };
        parts.next().is_none().then_some(p)
    }
}

/// The identity the provider vouched for.
pub struct SignedInIdentity {
    pub subject: String,
    pub email: Option<String>,
}

impl OidcClient {
    pub async fn discover(settings: &OidcSettings, public_url: &str) -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()
            .context("building the HTTP client for sign-in")?;
        let issuer = IssuerUrl::new(settings.issuer_url.clone()).context("OIDC issuer URL")?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .with_context(|| {
                format!(
                    "discovering the OpenID Connect provider at {}",
                    settings.issuer_url
                )
            })?;
        let redirect = RedirectUrl::new(format!(
            "{}/auth/oidc/callback",
            public_url.trim_end_matches('/')
        ))
        .context("OIDC redirect URL")?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        Ok(OidcClient {
            client,
            http,
            scopes: settings.scopes.clone(),
        })
    }

    /// The provider's authorization URL, and what to remember until the callback.
    pub fn start(&self) -> (String, PendingSignIn) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in &self.scopes {
            req = req.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = req.url();
        (
            url.to_string(),
            PendingSignIn {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        )
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token's signature,
    /// issuer, audience, expiry and nonce.
    pub async fn finish(
        &self,
        code: &str,
        pending: &PendingSignIn,
    ) -> anyhow::Result<SignedInIdentity> {
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .context("the provider has no token endpoint")?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .context("exchanging the authorization code")?;
        let id_token = response
            .id_token()
            .context("the provider returned no ID token")?;
        let claims = id_token
            .claims(
                &self.client.id_token_verifier(),
                &Nonce::new(pending.nonce.clone()),
            )
            .context("verifying the ID token")?;
        Ok(SignedInIdentity {
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
        })
    }
}
