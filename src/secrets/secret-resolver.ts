import type { SecretRedactor } from './secret-redactor';

/** What resolves a GoStint secret ref (`VAR@path.key`); bosun's secret store does. */
export interface SecretResolver {
  resolveRef(ref: string): Promise<{ variable: string; value: string } | { variable: string; missing: string }>;
  /** The resolver as a task uses it: each value it resolves is registered with the task's redactor. */
  readingFor(redactor: SecretRedactor): SecretResolver;
}
