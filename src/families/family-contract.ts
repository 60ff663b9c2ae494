import { configSchema } from '../config/config-schema';
import { CORE_MIGRATIONS } from '../db/core-migrations';
import { MIGRATIONS } from '../../migrations';
import { FAMILY_CONFIG_SECTIONS } from './family-config-sections';
import type { Family } from './family';

/**
 * What the families of a daemon must agree on, as a list of problems (empty when they do): every migration
 * has exactly one owner (a family or the core) and names a real migration; every family's config section
 * is the one config-schema.ts checks under that key, and no two families claim one key; with `complete`
 * (the whole list bosun ships), every family section config-schema.ts checks has its family.
 */
export function familyContractProblems(
  families: ReadonlyArray<{ name: string; family: Family }>,
  opts: { complete?: boolean } = {},
): string[] {
  const problems: string[] = [];
  const known = new Set(MIGRATIONS.map(([name]) => name));
  const owners = new Map<string, string[]>();
  const claim = (name: string, owner: string) => owners.set(name, [...(owners.get(name) ?? []), owner]);
  for (const name of CORE_MIGRATIONS) claim(name, 'the core');
  for (const { name, family } of families) for (const m of family.migrations) claim(m, `family ${name}`);
  for (const [migration, by] of owners) {
    if (!known.has(migration)) problems.push(`${by.join(', ')} lists migration ${migration}, which does not exist`);
    if (by.length > 1) problems.push(`migration ${migration} is claimed by ${by.join(' and ')}`);
  }
  for (const name of known) if (!owners.has(name)) problems.push(`migration ${name} has no owner`);

  const keys = new Map<string, string>();
  const shape = configSchema.shape as Record<string, unknown>;
  for (const { name, family } of families) {
    for (const { key, schema } of family.config ?? []) {
      const other = keys.get(key);
      if (other) problems.push(`families ${other} and ${name} both claim the config section ${key}`);
      keys.set(key, name);
      if (shape[key] !== schema)
        problems.push(`family ${name}'s config section ${key} is not the one config-schema.ts checks`);
    }
  }
  if (opts.complete) {
    for (const key of Object.keys(FAMILY_CONFIG_SECTIONS)) {
      if (!keys.has(key)) problems.push(`config section ${key} has no family`);
    }
  }
  return problems;
}
