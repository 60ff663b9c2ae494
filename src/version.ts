import { PROJECT_ROOT } from './project-root';
import path from 'node:path';
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

/** bosun's version, as `GET /info` and the debug log report it. */
export const BOSUN_VERSION = `${pkg.version} (bosun)`;
