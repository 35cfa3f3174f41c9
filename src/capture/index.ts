// The capture layer's surface: the EventSource interface both sources implement. The sources
// themselves are in capture/scap (a .scap file) and capture/live (the eBPF sensor), each with its
// own surface, so that reading a file never loads the sensor client and the reverse.

export type { EventSink, EventSource, SourceCounters } from './source.js';
