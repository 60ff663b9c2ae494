/** Errors of template rendering: TemplateError (public, the Director's message shape) and RubyError (internal). */

/** A template that cannot be rendered; the message reads like the BOSH Director's. */
export class TemplateError extends Error {
  line?: number;

  constructor(message: string, line?: number) {
    super(message);
    this.name = 'TemplateError';
    this.line = line;
  }

  /** `Error filling in template 'x.erb' (line 3: Can't find property '["a.b"]')` */
  static filling(templateName: string, detail: string, line?: number): TemplateError {
    const where = line === undefined ? detail : `line ${line}: ${detail}`;
    return new TemplateError(`Error filling in template '${templateName}' (${where})`, line);
  }

  /**
   * Every failed template of an instance under its job, as the Director words it:
   * `Unable to render jobs for instance group 'web'. Errors are:`
   * `  - Unable to render templates for job 'nginx'. Errors are:`
   * `    - Error filling in template 'x.erb' (line 3: ...)`
   */
  static forInstanceGroup(group: string, jobs: Array<{ job: string; errors: string[] }>): TemplateError {
    const lines = [`Unable to render jobs for instance group '${group}'. Errors are:`];
    for (const j of jobs) {
      lines.push(`  - Unable to render templates for job '${j.job}'. Errors are:`);
      for (const e of j.errors) lines.push(`    - ${e.replace(/\n/g, '\n      ')}`);
    }
    return new TemplateError(lines.join('\n'));
  }
}

/** Raised inside the interpreter (syntax, name, type and `raise` errors); the line is filled in where known. */
export class RubyError extends Error {
  constructor(
    message: string,
    public line?: number,
  ) {
    super(message);
    this.name = 'RubyError';
  }
}
