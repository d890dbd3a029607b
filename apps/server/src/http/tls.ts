import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { generate } from 'selfsigned';

/** This machine's IPv4 addresses that other machines on the LAN can reach. */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

/**
 * A self-signed certificate for LAN demos, made once and kept in the data folder, valid for localhost and every
 * LAN address this machine had when it was made (delete the files to make a new one).
 */
export async function ensureSelfSignedCertificate(certPath: string, keyPath: string): Promise<void> {
  if (existsSync(certPath) && existsSync(keyPath)) return;
  const ips = ['127.0.0.1', ...lanAddresses()];
  const pems = await generate([{ name: 'commonName', value: 'Parley LAN' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  mkdirSync(dirname(certPath), { recursive: true });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
}

export function readTls(tls: { certPath: string; keyPath: string }): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) };
}
