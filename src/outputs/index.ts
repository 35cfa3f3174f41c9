// The outputs layer's surface: alerts (Falco's text and JSON), the alert writer, and the line
// printer of `saker inspect`.

export { type Alert, type AlertOptions, type AlertRule, makeAlert } from './alert.js';
export { LinePrinter, LineSink } from './line-printer.js';
export { internalAlert } from './internal-alert.js';
export { AlertWriter } from './writer.js';
