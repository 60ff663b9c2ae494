import type { Family, FamilyDeps } from './daemon';

/** bosun's API families besides the Director's task routes. */
export const BOSUN_FAMILIES: Array<(deps: FamilyDeps) => Family> = [];
