import crypto from 'node:crypto';
import { issueCertificate } from '../../../certs/certificates';
import { randomPassword, SecretStore } from '../../../secrets/secret-store';
import type { VariableSpec } from './deployment-manifest';

export class VariableError extends Error {}

/** Where a deployment's relative variable lives in the store: `/<director>/<deployment>/<name>`. */
export function variablePath(name: string, director: string, deployment: string): string {
  return name.startsWith('/') ? name : `/${director}/${deployment}/${name}`;
}

/**
 * Values for every variable the manifest references: the store's value when it has one, otherwise
 * generated from the manifest's `variables` definition (password, certificate, rsa, ssh) and saved,
 * as BOSH does with its config server. A referenced variable with neither is an error.
 */
export async function resolveVariables(
  store: SecretStore,
  definitions: VariableSpec[],
  referenced: string[],
  where: { director: string; deployment: string },
): Promise<Map<string, unknown>> {
  const values = new Map<string, unknown>();
  const pathOf = (name: string) => variablePath(name, where.director, where.deployment);
  for (const def of definitions) {
    const existing = await store.get(pathOf(def.name));
    if (existing) {
      values.set(def.name, existing.value);
      continue;
    }
    const generated = generate(def, values);
    await store.set(pathOf(def.name), typeof generated === 'string' ? 'password' : 'json', generated);
    values.set(def.name, (await store.get(pathOf(def.name)))!.value);
  }
  for (const name of referenced) {
    if (values.has(name)) continue;
    const found = await store.get(pathOf(name));
    if (!found)
      throw new VariableError(
        `Failed to find variable '${pathOf(name)}' from config server: no value is stored and the manifest does not define it`,
      );
    values.set(name, found.value);
  }
  return values;
}

function generate(def: VariableSpec, known: Map<string, unknown>): string | Record<string, unknown> {
  const o = def.options ?? {};
  switch (def.type) {
    case 'password': {
      const length = typeof o.length === 'number' && o.length >= 4 && o.length <= 200 ? o.length : 20;
      return randomPassword(length);
    }
    case 'certificate': {
      let ca: { certificate: string; private_key: string } | undefined;
      if (typeof o.ca === 'string') {
        const v = known.get(o.ca) as { certificate?: string; private_key?: string } | undefined;
        if (!v?.certificate || !v.private_key)
          throw new VariableError(
            `Certificate '${def.name}' is signed by '${o.ca}', which is not a certificate defined before it`,
          );
        ca = { certificate: v.certificate, private_key: v.private_key };
      } else if (!o.is_ca && !o.self_sign) {
        throw new VariableError(`Certificate '${def.name}' needs options.ca, options.is_ca or options.self_sign`);
      }
      const usage = Array.isArray(o.extended_key_usage)
        ? (o.extended_key_usage as string[]).filter(
            (u): u is 'server_auth' | 'client_auth' => u === 'server_auth' || u === 'client_auth',
          )
        : undefined;
      return {
        ...issueCertificate({
          commonName: typeof o.common_name === 'string' ? o.common_name : def.name,
          alternativeNames: Array.isArray(o.alternative_names) ? (o.alternative_names as unknown[]).map(String) : [],
          isCa: Boolean(o.is_ca),
          ca,
          extKeyUsage: usage,
          durationDays: typeof o.duration === 'number' ? o.duration : undefined,
        }),
      };
    }
    case 'rsa':
    case 'ssh': {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const out: Record<string, unknown> = {
        private_key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        public_key: pub,
      };
      if (def.type === 'ssh') {
        const der = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
        out.public_key = `ssh-rsa ${sshRsaBlob(der.e, der.n)}`;
        out.public_key_fingerprint = crypto
          .createHash('md5')
          .update(Buffer.from(sshRsaBlob(der.e, der.n), 'base64'))
          .digest('hex')
          .replace(/(..)(?!$)/g, '$1:');
      }
      return out;
    }
    default:
      throw new VariableError(
        `Variable '${def.name}' has type '${def.type}'; bosun generates password, certificate, rsa and ssh`,
      );
  }
}

function sshRsaBlob(eB64url: string, nB64url: string): string {
  const mpint = (b: Buffer) => (b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const e = mpint(Buffer.from(eB64url, 'base64url'));
  const n = mpint(Buffer.from(nB64url, 'base64url'));
  return Buffer.concat([field(Buffer.from('ssh-rsa')), field(e), field(n)]).toString('base64');
}
