/** A job's effective properties: manifest values over `job.MF` defaults, for declared properties only. */

function lookup(source: unknown, dotted: string): unknown {
  let v: unknown = source;
  for (const key of dotted.split('.')) {
    if (v && typeof v === 'object' && !Array.isArray(v) && key in (v as Record<string, unknown>))
      v = (v as Record<string, unknown>)[key];
    else return undefined;
  }
  return v;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object' || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/**
 * BOSH's precedence: the job's own `properties` in the manifest when it has them, else the instance
 * group's, else the manifest's global ones. A declared property the manifest leaves out takes its
 * default; one with no default is left out (a template asking for it fails).
 */
export function effectiveProperties(
  declared: Record<string, { default?: unknown }>,
  sources: {
    job?: Record<string, unknown> | null;
    group?: Record<string, unknown> | null;
    global?: Record<string, unknown> | null;
  },
): Record<string, unknown> {
  const source = sources.job ?? sources.group ?? sources.global ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(declared)) {
    const value = lookup(source, name);
    if (value !== undefined && value !== null) setPath(out, name, value);
    else if ('default' in def && def.default !== undefined) setPath(out, name, def.default);
  }
  return out;
}
