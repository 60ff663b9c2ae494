/** Task types of the task core's own operations. */
export const TASK_TYPES = {
  cleanup: 'cleanup_artifacts',
} as const;

/**
 * `GET /tasks?verbose=1` (what `bosh tasks --recent` sends) lists only the types a person follows: the
 * Director's own list, plus the long-running work each of bosun's other API families declares.
 */
export const DIRECTOR_VERBOSE_TYPES: readonly string[] = [
  'attach_disk',
  'create_snapshot',
  'delete_deployment',
  'delete_release',
  'delete_snapshot',
  'delete_stemcell',
  'run_errand',
  'snapshot_deployment',
  'update_instance',
  'update_deployment',
  'update_release',
  'update_stemcell',
  'export_release',
];

/** The types `GET /tasks?verbose=1` lists: the Director's, and those the daemon's families declare. */
export function verboseTaskTypes(familyTypes: readonly string[]): readonly string[] {
  return [...new Set([...DIRECTOR_VERBOSE_TYPES, ...familyTypes])];
}
