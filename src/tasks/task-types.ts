/**
 * Task types by family. `GET /tasks?verbose=1` (what `bosh tasks --recent` sends) lists only the types
 * a person follows: the Director's own list, plus the long-running work of bosun's other API families.
 */
export const TASK_TYPES = {
  cleanup: 'cleanup_artifacts',
} as const;

export const VERBOSE_TYPES: string[] = [
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

export function addVerboseType(type: string): void {
  if (!VERBOSE_TYPES.includes(type)) VERBOSE_TYPES.push(type);
}
