import YAML from 'yaml';
import type { z } from 'zod';

/** A YAML document checked against `schema`; `label` names it in the error (`release.MF is invalid: ...`). */
export function parseYamlWith<T>(schema: z.ZodType<T>, text: string, label: string): T {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new Error(`${label} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = schema.safeParse(doc);
  if (!r.success) {
    throw new Error(
      `${label} is invalid: ${r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || 'document'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return r.data;
}
