/**
 * An error of the Director API family: rendered as {"code": N, "description": "..."} with its HTTP status.
 * Codes follow the Director's catalogue (10000 tasks, 70000 deployments, 600000 authorization).
 */
export class DirectorError extends Error {
  constructor(
    readonly code: number,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const taskNotFound = (id: string | number) => new DirectorError(10000, 404, `Task ${id} not found`);
export const badRequest = (message: string) => new DirectorError(40000, 400, message);
export const contextIdTooLong = () => new DirectorError(70010, 400, 'Context id cannot be longer than 64 characters');
export const scopeRequired = (scopes: string[]) =>
  new DirectorError(600000, 401, `Require one of the scopes: ${scopes.join(', ')}`);
export const payloadTooLarge = (limit: string) => new DirectorError(40001, 413, `Request body is larger than ${limit}`);
export const deploymentNotFound = (name: string) => new DirectorError(70000, 404, `Deployment '${name}' doesn't exist`);
export const releaseNotFound = (slug: string) => new DirectorError(30000, 404, `Release '${slug}' doesn't exist`);
export const stemcellNotFound = (slug: string) => new DirectorError(50003, 404, `Stemcell '${slug}' doesn't exist`);
export const eventNotFound = () => new DirectorError(10000, 404, 'Event not found');
export const unsupportedMediaType = (expected: string) =>
  new DirectorError(40002, 415, `Content-Type must be ${expected}`);
