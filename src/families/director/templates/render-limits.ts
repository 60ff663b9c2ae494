/**
 * What one render may cost. A job template is configuration, not a program: these bounds are far above what
 * real templates need, and keep a hostile one from exhausting the renderer's memory or running for good.
 * They cover a whole render, so nested loops share one budget instead of each passing its own cap.
 */
import { RubyError } from './template-error';

/** Nodes evaluated plus elements produced by built-in methods, across every loop and call of one render. */
export const MAX_RENDER_STEPS = 5_000_000;
/** Characters of any one string a template builds (8 Mi characters, 16 MB in memory). */
export const MAX_STRING_LENGTH = 8 * 1024 * 1024;
/** Characters of a template's whole output. */
export const MAX_OUTPUT_LENGTH = 32 * 1024 * 1024;
/** Characters of all the templates of one instance together (what a renderer worker hands back). */
export const MAX_INSTANCE_OUTPUT = 64 * 1024 * 1024;
/** Elements of any one array a template builds. */
export const MAX_ARRAY_LENGTH = 1_000_000;
/** Characters a regular expression may be matched against: backtracking grows with the input. */
export const MAX_REGEX_SUBJECT = 1024 * 1024;

/** Refuses, before building it, a string of `length` characters. */
export function checkStringLength(length: number): void {
  if (length > MAX_STRING_LENGTH)
    throw new RubyError(`string of ${length} characters is too large for a template (at most ${MAX_STRING_LENGTH})`);
}

/** Refuses, before building it, an array of `length` elements. */
export function checkArrayLength(length: number): void {
  if (length > MAX_ARRAY_LENGTH)
    throw new RubyError(`array of ${length} elements is too large for a template (at most ${MAX_ARRAY_LENGTH})`);
}

/** Refuses to match a regular expression against a subject long enough to backtrack for minutes. */
export function checkRegexSubject(subject: string): string {
  if (subject.length > MAX_REGEX_SUBJECT)
    throw new RubyError(
      `string of ${subject.length} characters is too long to match a regular expression against in a template (at most ${MAX_REGEX_SUBJECT})`,
    );
  return subject;
}

/** The steps one render has left; every loop, block and method call of the render draws on it. */
export class RenderBudget {
  private left: number;

  constructor(readonly steps = MAX_RENDER_STEPS) {
    this.left = steps;
  }

  charge(n = 1): void {
    this.left -= n;
    if (this.left < 0) throw new RubyError(`template does too much work (more than ${this.steps} steps)`);
  }
}
