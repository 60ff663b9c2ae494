/** A persistent disk no instance has any more, as the Director lists it (`GET /disks?orphaned=true`). */
export interface OrphanedDisk {
  disk_cid: string;
  size: number;
  az: string | null;
  deployment_name: string;
  instance_name: string;
  cloud_properties: Record<string, unknown>;
  orphaned_at: string;
}

/**
 * Where the clean-up finds orphaned disks and deletes them. bosun has no persistent disks yet: until
 * it does, there are none. Persistent disks plug in here (the clean-up picks them with `remove_all`,
 * unless `keep_orphaned_disks`).
 */
export interface OrphanedDisks {
  list(): Promise<OrphanedDisk[]>;
  delete(diskCid: string): Promise<void>;
}

export const noOrphanedDisks: OrphanedDisks = {
  list: () => Promise.resolve([]),
  delete: (diskCid) => Promise.reject(new Error(`Orphaned disk '${diskCid}' doesn't exist`)),
};
