// `saker capture`'s pipeline: the live sensor's events through state and a filter to a .scap file.

export { Recorder } from '../recorder.js';
