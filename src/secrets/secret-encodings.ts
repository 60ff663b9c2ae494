import YAML from 'yaml';

/**
 * How bosun writes the secrets file of a container job. Folding is off so that a value is written on
 * one line whatever its key, which is what lets `encodedForms` know its exact YAML form.
 */
export const SECRETS_YAML_OPTIONS = { lineWidth: 0 } as const;

/**
 * The forms in which bosun itself may write a secret value: raw, JSON-escaped (as JSON.stringify writes
 * it, without the quotes: job results, event lines, /secrets.json) and as the yaml library writes it
 * into /secrets.yml (inside its quotes, or the indented lines of a block scalar).
 */
export function encodedForms(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), yamlForm(value)]);
  forms.delete('');
  return [...forms];
}

function yamlForm(value: string): string {
  const written = YAML.stringify({ k: value }, SECRETS_YAML_OPTIONS).replace(/^k: /, '').replace(/\n$/, '');
  if (/^[|>]/.test(written)) return written.slice(written.indexOf('\n') + 1);
  if (/^(".*"|'.*')$/s.test(written)) return written.slice(1, -1);
  return written;
}
