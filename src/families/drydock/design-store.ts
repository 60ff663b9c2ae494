import { badRequest, DrydockError } from './drydock-errors';
import { DesignsRepo, StoredDesign } from './designs-repo';
import { EffectiveSite, problemMessages, statusOf, validateSite, ValidationStatus } from './design-validation';
import { DesignParseError, describeSite, readDocuments } from './site-design';

/** `bosun+design://<id>` (its latest version) or `bosun+design://<id>/<version>`. */
const DESIGN_REF =
  /^bosun\+design:\/\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/(\d{1,9}))?\/?$/i;

export const designRef = (id: string, version?: number) => `bosun+design://${id}${version ? `/${version}` : ''}`;

/**
 * A design that failed: Drydock's validation Status (with `code` 400), answered as the 400 of a request
 * that named or carried it. Its body also has Drydock's error keys, so a client reading either shape
 * finds the message.
 */
export class InvalidDesignError extends DrydockError {
  constructor(readonly validation: ValidationStatus) {
    super(400, validation.details.messageList.find((m) => m.error)?.message ?? validation.message, false, {
      ...validation,
    });
  }
}

/** The validation answer for a YAML stream that is not YAML at all. */
export function unparsableStatus(err: DesignParseError): ValidationStatus {
  return statusOf(problemMessages([{ code: 'DD000', message: err.message, ref: null }]));
}

/** Validates a YAML stream: Drydock's answer, and the effective site when it passed. */
export function validateDocuments(text: string): { status: ValidationStatus; site: EffectiveSite | null } {
  let read;
  try {
    read = readDocuments(text);
  } catch (err) {
    if (err instanceof DesignParseError) return { status: unparsableStatus(err), site: null };
    throw err;
  }
  return validateSite(describeSite(read.documents), read.problems);
}

/** Resolving design refs to stored designs and their effective sites. */
export class DesignStore {
  constructor(readonly repo: DesignsRepo) {}

  /** The stored design a ref names; a ref bosun cannot resolve is a 400. */
  async resolve(ref: unknown): Promise<StoredDesign> {
    if (typeof ref !== 'string' || !ref) throw badRequest('Task creation requires fields design_ref, action');
    const m = DESIGN_REF.exec(ref.trim());
    if (!m)
      throw badRequest(`Unable to resolve design_ref ${ref}: bosun resolves bosun+design://<design id>[/<version>]`);
    const design = await this.repo.find(m[1].toLowerCase(), m[2] ? Number(m[2]) : undefined);
    if (!design) throw badRequest(`Unable to resolve design_ref ${ref}: no such design`);
    return design;
  }

  /** The effective site of a stored design; one that does not validate throws InvalidDesignError. */
  effective(design: StoredDesign): EffectiveSite {
    const { status, site } = validateDocuments(design.documents);
    if (!site) throw new InvalidDesignError(status);
    return site;
  }
}
