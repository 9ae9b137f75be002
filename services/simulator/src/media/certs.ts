/**
 * The media host's TLS material: the test certificates committed under `services/simulator/certs/`
 * (never for production). A Fleet worker talking to the simulator trusts `MEDIA_CA_PATH`:
 * `makeWASocket({ fetchAgent: new https.Agent({ ca: readFileSync(MEDIA_CA_PATH) }) })` for uploads, and the
 * same agent as `{ options: { httpsAgent } }` to `downloadContentFromMessage` / `downloadMediaMessage`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `services/simulator/certs`, seen from this file compiled to `dist/src/media`. */
const CERT_DIR = join(__dirname, '..', '..', '..', 'certs');

/** Absolute path of the test CA (PEM) that signed the media host's certificate. */
export const MEDIA_CA_PATH = join(CERT_DIR, 'ca.pem');

/** The test CA's PEM, for `new https.Agent({ ca })`. */
export function readMediaCa(): Buffer {
  return readFileSync(MEDIA_CA_PATH);
}

/** The media host's certificate (for 127.0.0.1 and localhost) and key. */
export function readMediaServerTls(): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(join(CERT_DIR, 'server.pem')), key: readFileSync(join(CERT_DIR, 'server-key.pem')) };
}
