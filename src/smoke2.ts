import { loadRulesFiles } from './rules/index.js';
const base = '/work/shared/peers/falco-rules/';
for (const f of process.argv.slice(2)) {
const loaded = await loadRulesFiles(f.split(',').map(x=>base+x));
console.log(f, loaded.successful);
}
setInterval(() => {
  // @ts-ignore
  const hs = process._getActiveHandles(); console.log(hs.map((h: any) => h.constructor.name));
  // @ts-ignore
  console.log(process._getActiveRequests().map((h: any) => h.constructor.name));
}, 3000).unref();
