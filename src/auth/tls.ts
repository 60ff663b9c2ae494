import fs from 'node:fs';
import path from 'node:path';
import { issueCertificate } from '../certs/certificates';

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
  const files = {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server-key.pem'),
  };
  if (!fs.existsSync(files.cert) || !fs.existsSync(files.key) || !fs.existsSync(files.ca)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const made = generateCertificates(opts.bind);
    fs.writeFileSync(files.ca, made.ca, { mode: 0o600 });
    fs.writeFileSync(files.key, made.key, { mode: 0o600 });
    fs.writeFileSync(files.cert, made.cert, { mode: 0o600 });
  }
  return { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8'), caPath: files.ca };
}

function generateCertificates(bind: string): { ca: string; cert: string; key: string } {
  const ca = issueCertificate({ commonName: 'bosun CA', isCa: true });
  const alternativeNames = ['localhost', '127.0.0.1', '::1'];
  if (bind !== '0.0.0.0' && !alternativeNames.includes(bind)) alternativeNames.push(bind);
  const server = issueCertificate({
    commonName: 'bosun',
    ca: { certificate: ca.certificate, private_key: ca.private_key },
    alternativeNames,
  });
  return { ca: ca.certificate, cert: server.certificate, key: server.private_key };
}
