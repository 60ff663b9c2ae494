/** `((name))` placeholders in a manifest document, as BOSH's config server resolves them. */

const PLACEHOLDER = /\(\(\s*(!?[A-Za-z0-9_.\-/:]+)\s*\)\)/g;
const WHOLE = /^\(\(\s*(!?[A-Za-z0-9_.\-/:]+)\s*\)\)$/;

/** Every distinct variable name a document references (the part before the first `.`). */
export function referencedVariables(doc: unknown): string[] {
  const names = new Set<string>();
  walkStrings(doc, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) names.add(baseName(m[1]));
  });
  return [...names];
}

/** The variable a placeholder names: `((cert.ca))` uses `cert`; `((!literal))` is BOSH's escape. */
export function baseName(ref: string): string {
  return ref.replace(/^!/, '').split('.')[0];
}

/** Replaces placeholders with values: a whole-string placeholder keeps the value's type. */
export function interpolate(doc: unknown, values: Map<string, unknown>): unknown {
  const lookup = (ref: string): unknown => {
    const [name, ...path] = ref.replace(/^!/, '').split('.');
    let v: unknown = values.get(name);
    for (const key of path) {
      if (v && typeof v === 'object' && key in (v as Record<string, unknown>)) v = (v as Record<string, unknown>)[key];
      else throw new Error(`Failed to find key '${key}' in variable '${name}'`);
    }
    return v;
  };
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole) return lookup(whole[1]);
      return node.replace(PLACEHOLDER, (_, ref: string) => {
        const v = lookup(ref);
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, visit(v)]));
    }
    return node;
  };
  return visit(doc);
}

function walkStrings(node: unknown, fn: (s: string) => void): void {
  if (typeof node === 'string') fn(node);
  else if (Array.isArray(node)) node.forEach((n) => walkStrings(n, fn));
  else if (node && typeof node === 'object')
    Object.values(node as Record<string, unknown>).forEach((n) => walkStrings(n, fn));
}
