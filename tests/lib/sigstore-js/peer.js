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
//   peer.js sign-rekor2 KEY.pem DIGEST NAME EMAIL ISSUER OUTDIR
//       Rekor v2 entries (kind dsse 0.0.2, no SET, an inclusion proof and a
//       checkpoint), sigstore-js's RekorWitness with majorApiVersion 2
//       writing to a Rekor v2 log answered here (see rekorV2Log), in one
//       process: OUTDIR/ecdsa (a key-based bundle signed with KEY.pem, the
//       log's key ECDSA P-256), OUTDIR/ed25519 (the same, an Ed25519 log)
//       and OUTDIR/fulcio (a Fulcio certificate for EMAIL from ISSUER, the
//       CA in fulcio-ca.pem), each with bundle.json and the log's key in
//       rekor.pub; the key-based ones verified by sigstore-js first
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

// Rekor v2 (rekor-tiles), answered here: @sigstore/mock 0.13's v2 log
// records the CreateEntryRequest itself as the body (not the log's Entry),
// a proof index outside its one-leaf tree and a hex root hash, which
// sigstore-js's own verifier refuses.  This log turns sigstore-js's request
// into the Entry (protobuf-specs' JSON of it) as rekor-tiles does, puts it
// at index 6 of a 13-leaf tree (RFC 9162 hashes), and signs a checkpoint
// (c2sp.org/signed-note) whose key ID and the entry's log ID are the
// key's as rekor-tiles computes them: Ed25519 SHA-256(origin \n 0x01 key),
// ECDSA SHA-256(SPKI).
const sha256 = (...b) => crypto.createHash('sha256').update(Buffer.concat(b)).digest();
function mth(l) {
  if (l.length === 1) return l[0];
  let k = 1;
  while (k * 2 < l.length) k *= 2;
  return sha256(Buffer.from([1]), mth(l.slice(0, k)), mth(l.slice(k)));
}
function auditPath(m, l) {
  if (l.length === 1) return [];
  let k = 1;
  while (k * 2 < l.length) k *= 2;
  return m < k ? [...auditPath(m, l.slice(0, k)), mth(l.slice(k))]
    : [...auditPath(m - k, l.slice(k)), mth(l.slice(0, k))];
}

function rekorV2Log(alg) {
  const { TransparencyLogEntry, HashAlgorithm } = require('@sigstore/protobuf-specs');
  const v2 = require('@sigstore/protobuf-specs/rekor/v2');
  const keys = alg === 'ed25519' ? crypto.generateKeyPairSync('ed25519')
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const origin = new URL(REKOR).host;
  const logID = alg === 'ed25519'
    ? sha256(Buffer.from(`${origin}\n`), Buffer.from([1]), spki.subarray(spki.length - 32)) : sha256(spki);
  nock(REKOR).post('/api/v2/log/entries').reply((_uri, reqBody) => {
    const req = v2.CreateEntryRequest.fromJSON(typeof reqBody === 'string' ? JSON.parse(reqBody) : reqBody);
    const { envelope, verifiers } = req.spec.dsseRequestV002;
    const entry = { kind: 'dsse', apiVersion: '0.0.2', spec: { spec: { $case: 'dsseV002', dsseV002: {
      payloadHash: { algorithm: HashAlgorithm.SHA2_256, digest: sha256(envelope.payload) },
      signatures: envelope.signatures.map((s) => ({ content: s.sig, verifier: verifiers[0] })),
    } } } };
    const body = Buffer.from(JSON.stringify(v2.Entry.toJSON(entry)));
    const n = 13, idx = 6;
    const leaves = Array.from({ length: n }, (_, i) =>
      sha256(Buffer.from([0]), i === idx ? body : crypto.randomBytes(64)));
    const root = mth(leaves);
    const note = `${origin}\n${n}\n${root.toString('base64')}\n`;
    const sig = crypto.sign(alg === 'ed25519' ? null : 'sha256', Buffer.from(note), keys.privateKey);
    const line = `\u2014 ${origin} ${Buffer.concat([logID.subarray(0, 4), sig]).toString('base64')}\n`;
    const tle = {
      logIndex: String(idx), logId: { keyId: logID }, kindVersion: { kind: 'dsse', version: '0.0.2' },
      integratedTime: '0', canonicalizedBody: body, inclusionPromise: undefined,
      inclusionProof: { logIndex: String(idx), rootHash: root, treeSize: String(n),
        hashes: auditPath(idx, leaves), checkpoint: { envelope: `${note}\n${line}` } },
    };
    return [201, JSON.stringify(TransparencyLogEntry.toJSON(tle)), { 'Content-Type': 'application/json' }];
  });
  return { keys, spki, logID, alg };
}

// sigstore-js's verifier on a key-based bundle with a Rekor v2 entry: the
// body, the inclusion proof and the checkpoint by the log's key.
function verifyRekorV2(bundle, pub, log) {
  const { PublicKeyDetails } = require('@sigstore/protobuf-specs');
  const tlog = { baseUrl: REKOR, logId: { keyId: log.logID }, checkpointKeyId: { keyId: log.logID },
    publicKey: { rawBytes: log.spki, keyDetails: log.alg === 'ed25519'
      ? PublicKeyDetails.PKIX_ED25519 : PublicKeyDetails.PKIX_ECDSA_P256_SHA_256 } };
  const trust = verify.toTrustMaterial({ tlogs: [tlog], certificateAuthorities: [], ctlogs: [],
    timestampAuthorities: [] }, () => ({ publicKey: crypto.createPublicKey(pub), validFor: () => true }));
  new verify.Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 })
    .verify(verify.toSignedEntity(bundle));
}

async function signRekorV2(keyFile, digest, name, email, issuer, out) {
  const data = { data: statement(digest, name), type: 'application/vnd.in-toto+json' };
  const witnesses = [new sign.RekorWitness({ rekorBaseURL: REKOR, majorApiVersion: 2 })];
  const write = (dir, b, log) => {
    fs.mkdirSync(path.join(out, dir), { recursive: true });
    fs.writeFileSync(path.join(out, dir, 'bundle.json'), JSON.stringify(bundleToJSON(b)) + '\n');
    fs.writeFileSync(path.join(out, dir, 'rekor.pub'), log.keys.publicKey.export({ type: 'spki', format: 'pem' }));
  };
  const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
  const pub = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' });
  const signer = { sign: async (d) => ({ signature: crypto.sign('sha256', d, key),
    key: { $case: 'publicKey', publicKey: pub, hint: 'brig-test' } }) };
  for (const alg of ['ecdsa', 'ed25519']) {
    const log = rekorV2Log(alg);
    const b = await new sign.DSSEBundleBuilder({ signer, witnesses }).create(data);
    verifyRekorV2(b, pub, log);
    write(alg, b, log);
  }
  const ca = await makeCA();
  nock(FULCIO).post('/api/v2/signingCert').reply(async (_uri, body) =>
    [201, await issue(ca, typeof body === 'string' ? body : JSON.stringify(body)), { 'Content-Type': 'application/json' }]);
  const log = rekorV2Log('ecdsa');
  const identityProvider = { getToken: async () => jwt({ iss: issuer, sub: email, email, email_verified: true }) };
  const fulcio = new sign.FulcioSigner({ identityProvider, fulcioBaseURL: FULCIO });
  const b = await new sign.DSSEBundleBuilder({ signer: fulcio, witnesses }).create(data);
  write('fulcio', b, log);
  fs.writeFileSync(path.join(out, 'fulcio', 'fulcio-ca.pem'), ca.root.toString('pem') + '\n');
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
    case 'sign-rekor2': return signRekorV2(argv[1], argv[2], argv[3], argv[4], argv[5], argv[6]);
    case 'verify-key': return verifyKey(argv[1], argv[2], argv[3]);
    default: throw new Error('usage: peer.js sign-key|sign-fulcio|sign-rekor2|verify-key ...');
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`sigstore-js: ${err.message}${err.cause ? ` (${err.cause.message})` : ""}\n`);
  process.exit(1);
});
