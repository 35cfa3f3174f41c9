// `saker inspect`'s pipeline: a capture's events through state and a filter to a line printer or
// a filtered copy. Its own surface so that the command loads no rules loader, YAML or metrics.

export { DEFAULT_FORMAT, inspect } from '../inspector.js';
