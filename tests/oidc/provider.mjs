// A real OpenID Provider for the tests: panva's certified `oidc-provider` (pinned in package.json),
// configured as two relying-party registrations of the portal, one acting as FranceConnect
// (residents: given_name, family_name, email, email_verified, birthdate...) and one as ProConnect
// (agents: given_name, usual_name, email, uid, siret, organizational_unit...). Both return the
// userinfo as a signed JWT, as the real ones do.
//
// Started by tests/oidc/op.py on 127.0.0.1 and a free port; prints `listening <issuer>` once
// ready. Environment:
//   OIDC_PORTAL_BASES  comma-separated bases of the portal under test (redirect URIs are built on them)
//   OIDC_CODE_TTL      seconds an authorization code lives (default 60; a test of expiry sets 1)
//   OIDC_ACCOUNTS      optional JSON {login: claims} added to the built-in accounts below
//   OIDC_USERINFO_PLAIN  set: the userinfo is plain JSON instead of a signed JWT
//
// Interactions are a tiny login form served here (any password; the login names an account
// below); the sign-in is at the level `eidas1`, FranceConnect's usual one (the `acr` claim);
// consent is granted at once for these first-party clients.
import { generateKeyPairSync, createHash } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const BASES = (process.env.OIDC_PORTAL_BASES || 'http://testserver').split(',').filter(Boolean);
const CODE_TTL = Number(process.env.OIDC_CODE_TTL || 60);

export const CLIENTS = {
  franceconnect: { client_id: 'portail-franceconnect', client_secret: 'secret-franceconnect-pour-les-tests-0123456789' },
  proconnect: { client_id: 'portail-proconnect', client_secret: 'secret-proconnect-pour-les-tests-0123456789' },
};

// Claims as FranceConnect (identité pivot + email) and ProConnect (agent) send them.
const ACCOUNTS = {
  claire: {
    given_name: 'Claire', family_name: 'Martin', preferred_username: 'Martin', gender: 'female',
    birthdate: '1984-02-11', birthplace: '92073', birthcountry: '99100',
    email: 'claire.martin@exemple.fr', email_verified: true,
  },
  paul: {
    given_name: 'Paul', family_name: 'Petit', gender: 'male', birthdate: '1990-06-01',
    birthplace: '75056', birthcountry: '99100', email: 'paul.petit@exemple.fr', email_verified: false,
  },
  'agent-ville': {
    given_name: 'Agnès', usual_name: 'Durand', email: 'agnes.durand@ville.exemple',
    email_verified: true, uid: 'adurand', siret: '21920073000011',
    organizational_unit: 'Direction du numérique', belonging_population: 'agent-public', idp_id: 'idp-ville',
  },
  'agent-ailleurs': {
    given_name: 'Bruno', usual_name: 'Leroy', email: 'bruno.leroy@autre.exemple',
    email_verified: true, uid: 'bleroy', siret: '13002526500013',
    organizational_unit: 'Service achats', belonging_population: 'agent-public', idp_id: 'idp-autre',
  },
  ...JSON.parse(process.env.OIDC_ACCOUNTS || '{}'),
};

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: createHash('sha256').update(rsa.n).digest('hex').slice(0, 16), use: 'sig', alg: 'RS256' },
    { ...ec, kid: createHash('sha256').update(ec.x).digest('hex').slice(0, 16), use: 'sig', alg: 'ES256' },
  ];
}

function client(kind) {
  return {
    ...CLIENTS[kind],
    redirect_uris: BASES.map((base) => `${base}/login/oidc/${kind}/callback`),
    post_logout_redirect_uris: BASES.map((base) => `${base}/login/oidc/logged-out`),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: kind === 'franceconnect' ? 'RS256' : 'ES256',
    // OIDC_USERINFO_PLAIN=1: plain JSON userinfo, as most other providers send it.
    ...(process.env.OIDC_USERINFO_PLAIN ? {} : { userinfo_signed_response_alg: 'RS256' }),
  };
}

const server = http.createServer();
server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [client('franceconnect'), client('proconnect')],
    jwks: { keys: signingKeys() },
    cookies: { keys: ['cle-de-test-uniquement-pour-les-cookies-du-fournisseur'] },
    scopes: ['openid', 'email', 'given_name', 'family_name', 'usual_name', 'preferred_username',
      'gender', 'birthdate', 'birthplace', 'birthcountry', 'uid', 'siret', 'organizational_unit',
      'belonging_population', 'idp_id'],
    // FranceConnect and ProConnect name one scope per claim.
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      given_name: ['given_name'], family_name: ['family_name'], usual_name: ['usual_name'],
      preferred_username: ['preferred_username'], gender: ['gender'], birthdate: ['birthdate'],
      birthplace: ['birthplace'], birthcountry: ['birthcountry'], uid: ['uid'], siret: ['siret'],
      organizational_unit: ['organizational_unit'], belonging_population: ['belonging_population'],
      idp_id: ['idp_id'],
    },
    acrValues: ['eidas1', 'eidas2', 'eidas3'],
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    ttl: {
      AuthorizationCode: CODE_TTL,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      IdToken: 600,
      AccessToken: 600,
    },
    async findAccount(ctx, id) {
      const claims = ACCOUNTS[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    // First-party registrations: the consent is given at once for the scopes asked.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const route = new URL(req.url, issuer).pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!route) return callback(req, res);
    interaction(provider, req, res, Boolean(route[2])).catch((error) => {
      res.statusCode = 400;
      res.end(`interaction refused: ${error.message}`);
    });
    return undefined;
  });
  process.stdout.write(`listening ${issuer}\n`);
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// The provider's login page: GET shows the form, POST signs the account in at `eidas1`.
async function interaction(provider, req, res, submitted) {
  const details = await provider.interactionDetails(req, res);
  if (!submitted) {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="fr"><head><title>Fournisseur d'identité de test</title></head>
<body><main><h1>Fournisseur d'identité de test (${escape(details.params.client_id)})</h1>
<form method="post" action="/interaction/${escape(details.uid)}/login">
<input type="hidden" name="prompt" value="login">
<label>Identifiant <input name="login" required></label>
<label>Mot de passe <input type="password" name="password" required></label>
<button type="submit">Se connecter</button></form></main></body></html>`);
    return;
  }
  const form = await readForm(req);
  if (!ACCOUNTS[form.get('login')]) throw new Error('unknown account');
  await provider.interactionFinished(req, res, {
    login: { accountId: form.get('login'), acr: 'eidas1', amr: ['pwd'] },
  }, { mergeWithLastSubmission: false });
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
