// The live agent's young generation is kept at V8's initial size (1 MiB semi-spaces in Node 20)
// instead of growing to 16 MiB ones under load. Measured with the upstream rules (bench/agent-
// memory, bench/engine-replay's GC column): the young generation's growth is ~30 MB of the
// agent's RSS under load, and the agent's per-event path makes next to no garbage (0.15
// scavenges per 100k open/close events with 1 MiB semi-spaces, against 2.3 before the time's
// boxing and the open-name keys were removed; live-garbage.test.ts keeps it so), so the smaller
// one costs next to no GC per event. The heap's shape is fixed when V8 starts, and `saker run` is
// started in several ways (bin/saker.js, systemd, the container image, the benches through tsx):
// rather than a command-line flag each of them must remember, growth is turned off here, which
// V8 reads each time it would grow the young generation (young-generation.test.ts fails if a Node
// upgrade stops honouring it).
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
