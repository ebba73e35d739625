// mint.mjs
//	  Key sets and tokens made by the jose library, as identity providers
//	  publish and issue them, for test/t/010_jose.pl: the verifier is
//	  checked against a JWT implementation it shares nothing with.
//
// Usage: node mint.mjs OUTDIR ISSUER AUDIENCE
//
// Writes into OUTDIR:
//   keycloak.json  a Keycloak realm's key set: its RS256 signing key and its
//                  RSA-OAEP encryption key ("use": "enc"), each with the
//                  self-signed certificate Keycloak publishes beside it
//   auth0.json     an Auth0/Okta-shaped key set: PS256, ES256 and Ed25519
//                  signing keys, and an ES256K (secp256k1) and an Ed448 key,
//                  which the server does not verify
//   tokens.json    {name: {token, alg, kid, typ, sub, claims}} for each
//                  token; "claims" is the payload as signed
// Only public keys are written; the private keys never leave this process.
//
// test/jose/mint.mjs
//

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
	SignJWT,
	calculateJwkThumbprint,
	decodeJwt,
	decodeProtectedHeader,
	exportJWK,
	exportPKCS8,
	generateKeyPair,
} from 'jose';

const [outdir, issuer, audience] = process.argv.slice(2);
if (!outdir || !issuer || !audience) {
	console.error('usage: node mint.mjs OUTDIR ISSUER AUDIENCE');
	process.exit(2);
}

const now = Math.floor(Date.now() / 1000);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function b64url(buf) {
	return Buffer.from(buf).toString('base64url');
}

// A key pair, its public JWK and its RFC 7638 thumbprint (the key id).
async function keyPair(alg, options = {}) {
	const { publicKey, privateKey } = await generateKeyPair(alg, { ...options, extractable: true });
	const jwk = await exportJWK(publicKey);
	for (const m of PRIVATE_MEMBERS)
		if (m in jwk) throw new Error(`public JWK of ${alg} has "${m}"`);
	return { publicKey, privateKey, jwk, kid: await calculateJwkThumbprint(jwk) };
}

// The self-signed certificate Keycloak publishes with each realm key
// (x5c, x5t, x5t#S256), made by the openssl command from the private key,
// which is written only to a private temporary directory.
async function certificate(privateKey, cn) {
	const dir = mkdtempSync(join(tmpdir(), 'jose-cert-'));
	try {
		writeFileSync(join(dir, 'key.pem'), await exportPKCS8(privateKey), { mode: 0o600 });
		execFileSync('openssl', ['req', '-new', '-x509', '-key', join(dir, 'key.pem'),
			'-subj', `/CN=${cn}`, '-days', '3650', '-outform', 'DER',
			'-out', join(dir, 'cert.der')], { stdio: ['ignore', 'ignore', 'inherit'] });
		const der = readFileSync(join(dir, 'cert.der'));
		return {
			x5c: [der.toString('base64')],
			x5t: b64url(createHash('sha1').update(der).digest()),
			'x5t#S256': b64url(createHash('sha256').update(der).digest()),
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// Keycloak: one RS256 signing key and one RSA-OAEP encryption key per
// realm, members in the order Keycloak writes them.
const kcSig = await keyPair('RS256');
const kcEnc = await keyPair('RSA-OAEP');
const keycloak = {
	keys: [
		{ kid: kcEnc.kid, kty: 'RSA', alg: 'RSA-OAEP', use: 'enc', n: kcEnc.jwk.n, e: kcEnc.jwk.e,
			...(await certificate(kcEnc.privateKey, 'shop')) },
		{ kid: kcSig.kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: kcSig.jwk.n, e: kcSig.jwk.e,
			...(await certificate(kcSig.privateKey, 'shop')) },
	],
};

// Auth0/Okta: signing keys with kid, alg and use, and two keys of a kind
// this server does not verify.
const ps = await keyPair('PS256');
const es = await keyPair('ES256');
const ed = await keyPair('EdDSA', { crv: 'Ed25519' });
const k1 = await keyPair('ES256K');
const ed448 = await keyPair('EdDSA', { crv: 'Ed448' });
const auth0 = {
	keys: [
		{ kty: 'RSA', alg: 'PS256', kid: ps.kid, use: 'sig', e: ps.jwk.e, n: ps.jwk.n },
		{ kty: 'EC', alg: 'ES256', kid: es.kid, use: 'sig', crv: es.jwk.crv, x: es.jwk.x, y: es.jwk.y },
		{ kty: 'OKP', alg: 'EdDSA', kid: ed.kid, use: 'sig', crv: 'Ed25519', x: ed.jwk.x },
		{ kty: 'EC', alg: 'ES256K', kid: k1.kid, use: 'sig', crv: k1.jwk.crv, x: k1.jwk.x, y: k1.jwk.y },
		{ kty: 'OKP', alg: 'EdDSA', kid: ed448.kid, use: 'sig', crv: 'Ed448', x: ed448.jwk.x },
	],
};

// Keys nobody publishes.
const stray = await keyPair('RS256');

for (const set of [keycloak, auth0])
	for (const jwk of set.keys)
		for (const m of PRIVATE_MEMBERS)
			if (m in jwk) throw new Error(`key ${jwk.kid} would be published with "${m}"`);

const tokens = {};

async function mint(name, { alg, key, kid, typ = 'JWT', claims, exp = now + 3600, iat = now }) {
	const header = { alg, typ };
	if (kid !== undefined) header.kid = kid;
	const token = await new SignJWT(claims)
		.setProtectedHeader(header)
		.setIssuer(issuer)
		.setIssuedAt(iat)
		.setExpirationTime(exp)
		.sign(key);
	const signed = decodeJwt(token);
	const h = decodeProtectedHeader(token);
	tokens[name] = { token, alg: h.alg, kid: h.kid ?? null, typ: h.typ, sub: signed.sub, claims: signed };
}

// A Keycloak access token: roles in realm_access.roles.
await mint('keycloak_rs256', {
	alg: 'RS256', key: kcSig.privateKey, kid: kcSig.kid,
	claims: {
		jti: 'kc-6f1c2a9e', sub: 'kc-7d1e0b3c', typ: 'Bearer', azp: 'orders-app',
		aud: [audience, 'account'], scope: 'openid profile email',
		realm_access: { roles: ['offline_access', 'uma_authorization', 'reader'] },
		resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
		preferred_username: 'kate', email_verified: true,
	},
});

// An Okta-shaped access token with a plain roles claim.
await mint('okta_ps256', {
	alg: 'PS256', key: ps.privateKey, kid: ps.kid,
	claims: {
		ver: 1, jti: 'AT.okta-ps256', sub: 'paula@shop.example', aud: audience,
		cid: '0oa1b2c3d4', uid: '00u1b2c3d4', scp: ['openid', 'orders'],
		roles: ['analyst'],
	},
});

await mint('es256', {
	alg: 'ES256', key: es.privateKey, kid: es.kid,
	claims: { sub: 'erin', aud: audience, roles: ['auditor', 'reader'] },
});

await mint('eddsa', {
	alg: 'EdDSA', key: ed.privateKey, kid: ed.kid,
	claims: { sub: 'eddie', aud: audience, roles: ['ops'] },
});

// RFC 9068 access tokens: typ at+jwt, and its media type spelling.
await mint('at_jwt', {
	alg: 'ES256', key: es.privateKey, kid: es.kid, typ: 'at+jwt',
	claims: {
		sub: 'svc-batch', aud: audience, client_id: 'batch-runner', jti: 'at-0001',
		scope: 'orders:read', roles: ['batch'],
	},
});
await mint('at_jwt_media_type', {
	alg: 'EdDSA', key: ed.privateKey, kid: ed.kid, typ: 'application/AT+JWT',
	claims: { sub: 'svc-report', aud: audience, client_id: 'reporter', jti: 'at-0002', roles: ['report'] },
});

// An Auth0 access token: roles in a namespaced (URL-named) claim, two
// audiences.
await mint('auth0_url_roles', {
	alg: 'PS256', key: ps.privateKey, kid: ps.kid,
	claims: {
		sub: 'auth0|64f0c2a1b9', aud: [audience, 'https://shop.example/userinfo'],
		azp: 'Zq8sP1xY', scope: 'openid profile read:orders',
		'https://example.com/roles': ['sales', 'support'],
	},
});

// Refused: signed by a key nobody published, under the published key's
// kid and under a kid of its own; expired; signed by the published
// encryption key; signed by the keys the server skips.
await mint('forged_published_kid', {
	alg: 'RS256', key: stray.privateKey, kid: kcSig.kid,
	claims: { sub: 'mallory', aud: audience, roles: ['admin'] },
});
await mint('unpublished_kid', {
	alg: 'RS256', key: stray.privateKey, kid: stray.kid,
	claims: { sub: 'mallory', aud: audience, roles: ['admin'] },
});
await mint('expired', {
	alg: 'RS256', key: kcSig.privateKey, kid: kcSig.kid, exp: now - 3600, iat: now - 7200,
	claims: { sub: 'late-larry', aud: audience, roles: ['reader'] },
});
await mint('signed_by_enc_key', {
	alg: 'RS256', key: kcEnc.privateKey, kid: kcEnc.kid,
	claims: { sub: 'mallory', aud: audience, roles: ['admin'] },
});
await mint('es256k', {
	alg: 'ES256K', key: k1.privateKey, kid: k1.kid,
	claims: { sub: 'mallory', aud: audience, roles: ['admin'] },
});
await mint('ed448', {
	alg: 'EdDSA', key: ed448.privateKey, kid: ed448.kid,
	claims: { sub: 'mallory', aud: audience, roles: ['admin'] },
});

writeFileSync(join(outdir, 'keycloak.json'), JSON.stringify(keycloak, null, 2) + '\n');
writeFileSync(join(outdir, 'auth0.json'), JSON.stringify(auth0, null, 2) + '\n');
writeFileSync(join(outdir, 'tokens.json'), JSON.stringify(tokens, null, 2) + '\n');
const jose = JSON.parse(readFileSync(new URL('./node_modules/jose/package.json', import.meta.url)));
console.log(`jose ${jose.version} on node ${process.version}: ${Object.keys(tokens).length} tokens in ${outdir}`);
