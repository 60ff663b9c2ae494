import YAML from 'yaml';
import type { TarFile } from '../../docker/tar-files';
import { SECRETS_YAML_OPTIONS } from '../../secrets/secret-encodings';
import type { SecretResolver } from '../../secrets/secret-resolver';

export interface ResolvedSecrets {
  values: Record<string, string>;
  missing: string[];
}

export async function resolveSecrets(resolver: SecretResolver, refs: string[]): Promise<ResolvedSecrets> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const ref of refs) {
    const r = await resolver.resolveRef(ref);
    if ('value' in r) values[r.variable] = r.value;
    else missing.push(`${ref}: ${r.missing}`);
  }
  return { values, missing };
}

/** `/secrets.yml` or `/secrets.json`, read-only, as GoStint writes them (in the forms the redactor knows). */
export function secretsFile(values: Record<string, string>, type: 'yaml' | 'json'): TarFile {
  const content =
    type === 'json' ? `${JSON.stringify(values, null, 2)}\n` : YAML.stringify(values, SECRETS_YAML_OPTIONS);
  return { name: type === 'json' ? 'secrets.json' : 'secrets.yml', content: Buffer.from(content), mode: 0o444 };
}
