import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../process-alive';

/** One process at a time may open the embedded database in a data directory. */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    const file = path.join(dataDir, 'bosun.pid');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(fs.readFileSync(file, 'utf8').trim());
        if (owner && owner !== process.pid && isProcessAlive(owner)) {
          throw new Error(`data directory ${dataDir} is in use by process ${owner}`);
        }
        fs.rmSync(file, { force: true });
      }
    }
    throw new Error(`cannot lock data directory ${dataDir}`);
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
  }
}
