// An independent check of a Cadre Open Badge, with Digital Bazaar's verifier (not written here).
//
//   node tests/ob3/verify.mjs CREDENTIAL.json [DOCUMENT.json ...]
//
// Each DOCUMENT (the issuer's controller document, the revocation list credential) is served
// under its own "id", and each verification method of a controller document under its id, as a
// fetch of that URL would: the loader serves those and the vendored contexts, and refuses every
// other URL, so nothing is fetched from the network. Prints the verifier's result as JSON:
// {"verified": ..., "status": ...}; exit code 0 when verified, 1 when not, 2 on a usage error.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', 'app', 'credentials', 'contexts');
const readJson = path => JSON.parse(readFileSync(path, 'utf8'));

// The same vendored files Cadre signs with (app/credentials/contexts/SOURCES.md).
const documents = new Map(Object.entries({
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.json',
  'https://w3id.org/security/v2': 'security-v2.json',
  'https://w3id.org/security/v1': 'security-v1.json',
}).map(([url, file]) => [url, readJson(join(contextsDir, file))]));

const [credentialPath, ...documentPaths] = process.argv.slice(2);
if(!credentialPath) {
  console.error('usage: node tests/ob3/verify.mjs CREDENTIAL.json [DOCUMENT.json ...]');
  process.exit(2);
}
for(const path of documentPaths) {
  const document = readJson(path);
  documents.set(document.id, document);
  for(const method of document.verificationMethod || []) {
    // A verification method is read on its own, with the Multikey context it is written in.
    documents.set(method.id, {'@context': 'https://w3id.org/security/multikey/v1', ...method});
  }
}

const documentLoader = async url => {
  if(!documents.has(url)) {
    throw new Error(`offline: refusing to load ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
};

// A status check passes only if the list verifies and the credential's bit is not set.
const notRevoked = async options => {
  const result = await checkStatus({...options, suite: new DataIntegrityProof({cryptosuite})});
  if(!result.verified) {
    return result;
  }
  const revoked = result.results.some(({status}) => status === true);
  return revoked ? {...result, verified: false, error: new Error('revoked')} : result;
};

const credential = readJson(credentialPath);
const suite = new DataIntegrityProof({cryptosuite});
const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus: notRevoked});
const messageOf = error => (error.errors || []).length ?
  error.errors.map(messageOf).join('; ') : (error.message || String(error));
const errorOf = r => r && r.error && messageOf(r.error);
console.log(JSON.stringify({
  verified: result.verified,
  error: errorOf(result) || (result.results || []).map(errorOf).find(Boolean) || null,
  status: result.statusResult ? {verified: result.statusResult.verified,
    error: errorOf(result.statusResult)} : null,
}));
process.exit(result.verified ? 0 : 1);
