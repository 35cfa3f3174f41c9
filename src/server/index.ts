// The web server: Falco's webserver endpoints (/healthz, /versions, /metrics), the API over the
// agent's alerts, the live stream and the web UI. The surface the CLI uses.
export { SakerServer } from './server.js';
export { webserverSettings } from './settings.js';
export { sakerVersion } from './versions.js';
