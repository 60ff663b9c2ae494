import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** The CA certificate to give clients (`bosh --ca-cert`); null when the operator supplied the cert. */
  caPath: string | null;
}

/**
 * The operator's certificate when configured; otherwise a CA and a server certificate (for localhost,
 * 127.0.0.1, ::1 and the bind address) generated once under data_dir/tls and reused afterwards.
 */
export function loadTls(opts: { cert: string | null; key: string | null; dataDir: string; bind: string }): TlsMaterial {
  if (opts.cert && opts.key) {
    return { cert: fs.readFileSync(opts.cert, 'utf8'), key: fs.readFileSync(opts.key, 'utf8'), caPath: null };
  }
  const dir = path.join(opts.dataDir, 'tls');
  const files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server-key.pem') };
  if (!fs.existsSync(files.cert) || !fs.existsSync(files.key) || !fs.existsSync(files.ca)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const made = generateCertificates(opts.bind);
    fs.writeFileSync(files.ca, made.ca);
    fs.writeFileSync(files.key, made.key, { mode: 0o600 });
    fs.writeFileSync(files.cert, made.cert);
  }
  return { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8'), caPath: files.ca };
}

/** RSA keys from Node's native generator (much faster than forge's), as forge objects. */
function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function serial(): string {
  return `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
}

function generateCertificates(bind: string): { ca: string; cert: string; key: string } {
  const now = new Date();
  const expires = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);

  const caKeys = rsaKeys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = now;
  ca.validity.notAfter = expires;
  const caName = [{ name: 'commonName', value: 'bosun CA' }, { name: 'organizationName', value: 'bosun' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = expires;
  cert.setSubject([{ name: 'commonName', value: 'bosun' }, { name: 'organizationName', value: 'bosun' }]);
  cert.setIssuer(caName);
  const altNames: Array<{ type: number; value?: string; ip?: string }> = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (/^[\d.]+$/.test(bind) && bind !== '0.0.0.0' && bind !== '127.0.0.1') altNames.push({ type: 7, ip: bind });
  else if (!/^[\d.:]+$/.test(bind) && bind !== 'localhost') altNames.push({ type: 2, value: bind });
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    ca: forge.pki.certificateToPem(ca),
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(keys.privateKey),
  };
}
