// What the layers above a running agent (the web server, the CLI's exit line, tests) may see and
// ask of it. The Agent class implements it; nothing above the agent reaches into its parts.
import type { Alert } from '../outputs/index.js';
import type { Metrics } from '../metrics/index.js';

export type AgentPhase = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface ReloadOutcome {
  /** When the reload was tried (ms since the epoch). */
  at: number;
  ok: boolean;
  /** Why it failed; the previous rules and configuration keep running. */
  error?: string;
  enabledRules: number;
}

export interface AgentStatus {
  phase: AgentPhase;
  /** Where events come from: 'live' (the eBPF sensor) or 'capture' (a .scap file). */
  source: 'live' | 'capture';
  /** ms since the epoch when events started to flow, 0 before. */
  startedAt: number;
  /** The live sensor: attach flavour ('tp_btf' / 'raw_tp'), syscalls captured, alive. */
  sensor?: { attach: string; syscalls: number; alive: boolean };
  events: number;
  alerts: number;
  /** Events lost in the kernel (ring full ...). */
  drops: number;
  enabledRules: number;
  lastReload?: ReloadOutcome;
}

export interface RuleSummary {
  name: string;
  priority: string;
  enabled: boolean;
  tags: readonly string[];
  source: string;
  /** Alerts this rule raised since start. */
  hits: number;
}

export interface AgentHandle {
  readonly metrics: Metrics;
  status(): AgentStatus;
  /** The loaded rules in evaluation order with their hit counts. */
  rules(): RuleSummary[];
  /** Re-reads configuration and rules; on error the old ones keep running. */
  reload(): Promise<ReloadOutcome>;
  /** Called for every alert after it is handed to the outputs; returns the unsubscribe. */
  onAlert(listener: (alert: Alert) => void): () => void;
}
