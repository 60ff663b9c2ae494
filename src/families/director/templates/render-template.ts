/** Renders a BOSH job template (ERB with Ruby) against a job's properties and instance spec, without Ruby. */
import { splitErb } from './erb-lexer';
import { Evaluator } from './ruby-evaluator';
import { parseTemplate } from './ruby-parser';
import { TemplateContext } from './template-context';
import { RubyError, TemplateError } from './template-error';

export { TemplateError } from './template-error';

export interface TemplateSpec {
  name: string; // instance group name
  id: string; // instance uuid
  index: number;
  deployment: string;
  address: string; // e.g. container IP or hostname
  ip?: string;
  az?: string;
  bootstrap: boolean;
  job?: { name: string };
  networks?: Record<string, { ip?: string }>;
  release?: { name: string; version: string };
}

export interface TemplateInput {
  /** effective properties of the job as a nested object: manifest values merged over job.MF defaults,
   *  only the properties declared in job.MF (properties not declared are absent). */
  properties: Record<string, unknown>;
  spec: TemplateSpec;
  /** for error messages */
  templateName: string;
}

/**
 * ERB's way: the whole template compiles to one program (text chunks and `<%= %>` values become output statements,
 * so a block may span several tags), which is parsed and then evaluated. Every failure is a TemplateError.
 */
export function renderTemplate(source: string, input: TemplateInput): string {
  try {
    const program = parseTemplate(splitErb(source));
    return new Evaluator(new TemplateContext(input)).run(program);
  } catch (e) {
    if (e instanceof RubyError) throw TemplateError.filling(input.templateName, e.message, e.line);
    if (e instanceof TemplateError) throw e;
    const detail = e instanceof RangeError ? 'stack level too deep' : e instanceof Error ? e.message : String(e);
    throw TemplateError.filling(input.templateName, detail);
  }
}
