import crypto from 'node:crypto';
import forge from 'node-forge';

/** PEM certificate material, named as BOSH's config server names a certificate's fields. */
export interface CertificateMaterial {
  ca: string;
  certificate: string;
  private_key: string;
}

export interface CertificateRequest {
  commonName: string;
  organization?: string;
  /** DNS names and IP addresses. */
  alternativeNames?: string[];
  isCa?: boolean;
  /** The signing CA; a self-signed certificate when absent. */
  ca?: { certificate: string; private_key: string };
  extKeyUsage?: Array<'server_auth' | 'client_auth'>;
  durationDays?: number;
}

/** RSA keys from Node's native generator (much faster than forge's), as forge objects. */
function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

const serial = () => `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
const isIp = (s: string) => /^[\d.]+$/.test(s) || s.includes(':');

/** Issues a certificate (a CA, or a leaf signed by `req.ca`) with a fresh 2048-bit RSA key. */
export function issueCertificate(req: CertificateRequest): CertificateMaterial {
  const now = new Date();
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + (req.durationDays ?? 3650) * 24 * 3600 * 1000);
  const subject = [
    { name: 'commonName', value: req.commonName },
    { name: 'organizationName', value: req.organization ?? 'bosun' },
  ];
  cert.setSubject(subject);
  const signer = req.ca ? forge.pki.certificateFromPem(req.ca.certificate) : null;
  cert.setIssuer(signer ? signer.subject.attributes : subject);
  const extensions: object[] = req.isCa
    ? [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        { name: 'subjectKeyIdentifier' },
      ]
    : [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      ];
  const usage = req.extKeyUsage ?? (req.isCa ? [] : ['server_auth']);
  if (usage.length)
    extensions.push({
      name: 'extKeyUsage',
      serverAuth: usage.includes('server_auth'),
      clientAuth: usage.includes('client_auth'),
    });
  const alt = req.alternativeNames ?? [];
  if (alt.length)
    extensions.push({
      name: 'subjectAltName',
      altNames: alt.map((n) => (isIp(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    });
  cert.setExtensions(extensions);
  const signingKey = req.ca ? forge.pki.privateKeyFromPem(req.ca.private_key) : keys.privateKey;
  cert.sign(signingKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return {
    ca: req.ca ? req.ca.certificate : pem,
    certificate: pem,
    private_key: forge.pki.privateKeyToPem(keys.privateKey),
  };
}
