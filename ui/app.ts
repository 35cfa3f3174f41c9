// Saker's web UI, served by the agent itself: live alerts (the server's event stream says when a
// new alert arrived; the table is re-read with its filters), a per-priority chart, the loaded
// rules with hit counts, the enforcement policies and the agent's health. Preact + htm, bundled
// by esbuild into dist/ui; nothing is fetched from elsewhere.
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { AlertsView, NO_FILTERS, type Filters } from './alerts.js';
import { getJson, type Counts, type MetricJson, type PolicySummary, type RuleSummary, type Status } from './api.js';
import { CountsChart } from './chart.js';
import './style.css';

type Tab = 'alerts' | 'rules' | 'policies' | 'health';
const POLL_MS = 2000;

function filtersFromHash(): Filters {
  const q = new URLSearchParams(location.hash.slice(1));
  const f = { ...NO_FILTERS };
  for (const k of Object.keys(f) as Array<keyof Filters>) f[k] = q.get(k) ?? '';
  return f;
}

function hashOf(f: Filters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f) as Array<[string, string]>) if (v !== '') q.set(k, v);
  return q.toString();
}

function StatusBar({ status, live }: { status: Status | undefined; live: boolean }) {
  if (!status) return html`<header><h1>Saker</h1><span>connecting…</span></header>`;
  const ok = status.phase === 'running' && (status.sensor?.alive ?? true);
  return html`<header>
    <h1>Saker</h1>
    <span class=${ok ? 'badge ok' : 'badge bad'} data-testid="phase">${status.phase}${status.sensor && !status.sensor.alive ? ' (sensor stopped)' : ''}</span>
    <span>${status.sensor ? `${status.sensor.attach}, ${status.sensor.syscalls} syscalls` : status.source}</span>
    <span>events ${status.events}</span><span>alerts ${status.alerts}</span>
    <span class=${status.drops > 0 ? 'warn' : ''}>drops ${status.drops}</span>
    <span>rules ${status.enabledRules}</span>
    <span class=${live ? 'badge ok' : 'badge bad'} data-testid="live">${live ? 'live' : 'reconnecting'}</span>
  </header>`;
}

function RulesView({ rules }: { rules: RuleSummary[] }) {
  const sorted = [...rules].sort((a, b) => b.hits - a.hits || a.name.localeCompare(b.name));
  return html`<table class="list" data-testid="rules-table">
    <thead><tr><th>Rule</th><th>Priority</th><th>Enabled</th><th>Tags</th><th>Source</th><th>Hits</th></tr></thead>
    <tbody>${sorted.map((r) => html`<tr key=${r.name} data-testid="rule-row">
      <td>${r.name}</td><td><span class=${`prio prio-${r.priority}`}>${r.priority}</span></td><td>${r.enabled ? 'yes' : 'no'}</td>
      <td>${r.tags.join(', ')}</td><td>${r.source}</td><td data-testid="rule-hits">${r.hits}</td></tr>`)}</tbody>
  </table>`;
}

function PoliciesView({ policies }: { policies: PolicySummary[] }) {
  if (policies.length === 0) return html`<p data-testid="no-policies">No enforcement policies are loaded.</p>`;
  return html`<table class="list" data-testid="policies-table">
    <thead><tr><th>Policy</th><th>Actions</th></tr></thead>
    <tbody>${policies.map((p) => html`<tr key=${p.name}><td>${p.name}</td><td>${p.actions.join(', ')}</td></tr>`)}</tbody>
  </table>`;
}

function metricRows(metrics: MetricJson[], pick: (name: string) => boolean) {
  return metrics.filter((m) => pick(m.name)).flatMap((m) => m.values.map((v) => {
    const labels = Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(' ');
    return html`<tr><th>${m.name}${labels ? ` {${labels}}` : ''}</th><td>${v.value}</td></tr>`;
  }));
}

function HealthView({ status, metrics }: { status: Status | undefined; metrics: MetricJson[] }) {
  if (!status) return html`<p>loading…</p>`;
  const r = status.lastReload;
  return html`<div class="health" data-testid="health">
    <h2>Capture</h2>
    <table class="fields"><tbody>
      <tr><th>phase</th><td>${status.phase}</td></tr>
      <tr><th>sensor</th><td>${status.sensor ? `${status.sensor.attach}, ${status.sensor.syscalls} syscalls, ${status.sensor.alive ? 'alive' : 'stopped'}` : status.source}</td></tr>
      <tr><th>events</th><td>${status.events}</td></tr>
      <tr><th>drops</th><td data-testid="health-drops">${status.drops}</td></tr>
      ${metricRows(metrics, (n) => n.includes('drops'))}
    </tbody></table>
    <h2>Reloads</h2>
    <p data-testid="health-reload">${r ? `${new Date(r.at).toISOString()}: ${r.ok ? `ok, ${r.enabledRules} rules enabled` : `failed: ${r.error ?? ''}`}` : 'no reload since start'}</p>
    <h2>Outputs</h2>
    <table class="fields"><tbody>${metricRows(metrics, (n) => n.includes('output'))}</tbody></table>
    <h2>Versions</h2>
    <p>Saker ${status.versions.saker_version}, rules engine ${status.versions.engine_version_semver}</p>
  </div>`;
}

function App() {
  const [tab, setTab] = useState<Tab>('alerts');
  const [status, setStatus] = useState<Status | undefined>();
  const [rules, setRules] = useState<RuleSummary[]>([]);
  const [policies, setPolicies] = useState<PolicySummary[]>([]);
  const [counts, setCounts] = useState<Counts | undefined>();
  const [metrics, setMetrics] = useState<MetricJson[]>([]);
  const [filters, setFiltersState] = useState<Filters>(filtersFromHash);
  const [liveTick, setLiveTick] = useState(0);
  const [live, setLive] = useState(false);
  const pending = useRef(false);

  const setFilters = (f: Filters) => {
    setFiltersState(f);
    history.replaceState(null, '', `#${hashOf(f)}`);
  };

  useEffect(() => {
    const poll = async () => {
      try {
        const [s, r, p, c] = await Promise.all([
          getJson<Status>('/api/status'), getJson<RuleSummary[]>('/api/rules'), getJson<PolicySummary[]>('/api/policies'), getJson<Counts>('/api/counts?span=300&step=5'),
        ]);
        setStatus(s);
        setRules(r);
        setPolicies(p);
        setCounts(c);
        if (tab === 'health') setMetrics(await getJson<MetricJson[]>('/api/metrics'));
      } catch {
        setLive(false);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => clearInterval(timer);
  }, [tab]);

  useEffect(() => {
    const es = new EventSource('/api/stream');
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    // A burst of alerts is one re-read of the table, not one per alert.
    es.addEventListener('alert', () => {
      if (pending.current) return;
      pending.current = true;
      setTimeout(() => {
        pending.current = false;
        setLiveTick((n) => n + 1);
        void getJson<Counts>('/api/counts?span=300&step=5').then(setCounts, () => undefined);
        void getJson<Status>('/api/status').then(setStatus, () => undefined);
      }, 100);
    });
    return () => es.close();
  }, []);

  const tabs: Array<[Tab, string]> = [['alerts', 'Alerts'], ['rules', 'Rules'], ['policies', 'Policies'], ['health', 'Health']];
  return html`<div>
    <${StatusBar} status=${status} live=${live} />
    <nav class="tabs">${tabs.map(([t, label]) => html`<button data-testid=${`tab-${t}`} class=${tab === t ? 'active' : ''} onClick=${() => setTab(t)}>${label}</button>`)}</nav>
    <main>
      ${tab === 'alerts' && html`<${CountsChart} counts=${counts} /><${AlertsView} rules=${rules} filters=${filters} setFilters=${setFilters} liveTick=${liveTick} />`}
      ${tab === 'rules' && html`<${RulesView} rules=${rules} />`}
      ${tab === 'policies' && html`<${PoliciesView} policies=${policies} />`}
      ${tab === 'health' && html`<${HealthView} status=${status} metrics=${metrics} />`}
    </main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app')!);
