/** The project's own cache folder, node_modules/.cache/prepbench of this checkout (git-ignored with node_modules). */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_CACHE_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'node_modules', '.cache', 'prepbench');
