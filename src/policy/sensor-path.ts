// Where the policy sensor binary is: sensor/build/saker-policy under the package root.
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export function policySensorPath(): string {
  return join(packageRoot(), 'sensor', 'build', 'saker-policy');
}
