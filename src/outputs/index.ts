// The outputs layer's surface: alerts (Falco's text and JSON), alert delivery to every configured
// output and destination (delivery.ts), internal alerts, and the line printer of `saker inspect`.

export { type Alert, type AlertOptions, type AlertRule, makeAlert } from './alert.js';
export { LinePrinter } from './line-printer.js';
export { internalAlert } from './internal-alert.js';
export { createOutputs, type Outputs } from './delivery.js';
export { alertJson } from './alert.js';
