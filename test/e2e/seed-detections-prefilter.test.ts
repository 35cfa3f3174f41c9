// The seed detections again with the kernel's open prefilter on (it is off by default): the
// prefilter may only keep in the kernel opens no rule can care about, so every detection must
// come exactly as without it.
process.env.SAKER_E2E_PREFILTER = 'on';
await import('./seed-detections.test.js');
