#!/usr/bin/env node
// sigstore-js (npm) as the independent peer of brig's sigstore bundles,
// for tests/integration/trust_bundle.bats.  Nothing here touches the
// network: Fulcio and Rekor are answered in this process (nock), Fulcio
// by a small CA made here (its certificates carry an email SAN, as
// Fulcio's do for email identities), Rekor by @sigstore/mock.
//
//   peer.js sign-key KEY.pem DIGEST NAME > bundle.json
//       a key-based DSSE bundle (in-toto statement for DIGEST) signed
//       with the PKCS #8 private key KEY.pem, no transparency log
//   peer.js sign-fulcio DIGEST NAME EMAIL ISSUER OUTDIR
//       a certificate-based bundle: OUTDIR/bundle.json, the CA in
//       OUTDIR/fulcio-ca.pem, the Rekor key in OUTDIR/rekor.pub
//   peer.js verify-key PUB.pem BUNDLE DIGEST
//       exit 0 when sigstore-js verifies BUNDLE with PUB.pem and its
//       statement names DIGEST; 1 with the reason otherwise
'use strict';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'])
  delete process.env[v]; // this process talks to nobody; nock answers

require('reflect-metadata'); // @peculiar/x509 needs it loaded first
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const nock = require('nock');
const x509 = require('@peculiar/x509');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');
const sign = require('@sigstore/sign');
const verify = require('@sigstore/verify');
const mock = require('@sigstore/mock');

x509.cryptoProvider.set(crypto.webcrypto);
nock.disableNetConnect();

const FULCIO = 'https://fulcio.brig.invalid';
const REKOR = 'https://rekor.brig.invalid';
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

function statement(digest, name) {
  const hex = digest.replace(/^sha256:/, '');
  return Buffer.from(JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: hex } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  }));
}

async function signKey(keyFile, digest, name) {
  const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
  const pub = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' });
  const signer = {
    sign: async (data) => ({
      signature: crypto.sign('sha256', data, key),
      key: { $case: 'publicKey', publicKey: pub, hint: 'brig-test' },
    }),
  };
  const b = await new sign.DSSEBundleBuilder({ signer, witnesses: [] })
    .create({ data: statement(digest, name), type: 'application/vnd.in-toto+json' });
  process.stdout.write(JSON.stringify(bundleToJSON(b)) + '\n');
}

// DER of a UTF8String (short form: issuers are short).
function utf8der(s) {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([0x0c, b.length]), b]);
}

async function makeCA() {
  const keys = await crypto.webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=brig test fulcio,O=brig.invalid',
    notBefore: new Date(now - 3600e3), notAfter: new Date(now + 86400e3),
    signingAlgorithm: EC, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { keys, root };
}

// Fulcio's answer to /api/v2/signingCert: a 10-minute certificate for the
// token's email, with the issuer extensions (.1.1 raw, .1.8 UTF8String).
async function issue(ca, body) {
  const req = JSON.parse(body);
  const claims = JSON.parse(Buffer.from(req.credentials.oidcIdentityToken.split('.')[1], 'base64url'));
  const der = x509.PemConverter.decode(req.publicKeyRequest.publicKey.content)[0];
  const pub = await crypto.webcrypto.subtle.importKey('spki', der, EC, true, ['verify']);
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: crypto.randomBytes(8).toString('hex'), subject: '', issuer: ca.root.subject,
    notBefore: new Date(now - 1000), notAfter: new Date(now + 600e3),
    signingAlgorithm: EC, publicKey: pub, signingKey: ca.keys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      new x509.SubjectAlternativeNameExtension([{ type: 'email', value: claims.email }], true),
      new x509.Extension('1.3.6.1.4.1.57264.1.1', false, Buffer.from(claims.iss)),
      new x509.Extension('1.3.6.1.4.1.57264.1.8', false, utf8der(claims.iss)),
    ],
  });
  return { signedCertificateEmbeddedSct: { chain: { certificates: [leaf.toString('pem'), ca.root.toString('pem')] } } };
}

function jwt(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.sig`;
}

async function signFulcio(digest, name, email, issuer, out) {
  const ca = await makeCA();
  nock(FULCIO).post('/api/v2/signingCert').reply(async (_uri, body) =>
    [201, await issue(ca, typeof body === 'string' ? body : JSON.stringify(body)), { 'Content-Type': 'application/json' }]);
  const rekorKeys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await mock.mockRekor({ baseURL: REKOR, keyPair: rekorKeys });
  const identityProvider = { getToken: async () => jwt({ iss: issuer, sub: email, email, email_verified: true }) };
  const signer = new sign.FulcioSigner({ identityProvider, fulcioBaseURL: FULCIO });
  const witnesses = [new sign.RekorWitness({ rekorBaseURL: REKOR, entryType: 'intoto' })];
  const b = await new sign.DSSEBundleBuilder({ signer, witnesses })
    .create({ data: statement(digest, name), type: 'application/vnd.in-toto+json' });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'bundle.json'), JSON.stringify(bundleToJSON(b)) + '\n');
  fs.writeFileSync(path.join(out, 'fulcio-ca.pem'), ca.root.toString('pem') + '\n');
  fs.writeFileSync(path.join(out, 'rekor.pub'), rekorKeys.publicKey.export({ type: 'spki', format: 'pem' }));
}

function verifyKey(pubFile, bundleFile, digest) {
  const pem = fs.readFileSync(pubFile, 'utf8');
  const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const trust = verify.toTrustMaterial(verify.TrustedRoot ? verify.TrustedRoot.fromJSON(root) : root,
    () => ({ publicKey: crypto.createPublicKey(pem), validFor: () => true }));
  const v = new verify.Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, tsaThreshold: 0 });
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundleFile, 'utf8')));
  v.verify(verify.toSignedEntity(bundle));
  const st = JSON.parse(bundle.content.dsseEnvelope.payload.toString());
  const want = digest.replace(/^sha256:/, '');
  if (!st.subject.some((s) => s.digest && s.digest.sha256 === want))
    throw new Error(`the statement is not for ${digest}`);
}

async function main(argv) {
  switch (argv[0]) {
    case 'sign-key': return signKey(argv[1], argv[2], argv[3]);
    case 'sign-fulcio': return signFulcio(argv[1], argv[2], argv[3], argv[4], argv[5]);
    case 'verify-key': return verifyKey(argv[1], argv[2], argv[3]);
    default: throw new Error('usage: peer.js sign-key|sign-fulcio|verify-key ...');
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`sigstore-js: ${err.message}${err.cause ? ` (${err.cause.message})` : ""}\n`);
  process.exit(1);
});
