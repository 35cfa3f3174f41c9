// Where the .proto files Saker wrote for the runtime APIs are, and their loading options: the
// same answer from the sources, the compiled tree and the bundled CLI (package root).
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export function protoPath(name: string): string {
  return join(packageRoot(), 'src', 'runtimes', 'proto', name);
}

/** proto-loader options: field names as in the .proto, 64-bit numbers as strings, defaults filled. */
export const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true } as const;
