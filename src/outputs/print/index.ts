// Printing events one line each in a -p format (saker inspect): a sub-surface, so that inspect
// loads the printer without the alert destinations' clients.
export { LinePrinter, LineSink } from '../line-printer.js';
