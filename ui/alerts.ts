// The alerts view: filters (priority, rule, tag, container, pod, text) kept in the URL hash, the
// table of recent alerts refreshed as the live stream says new ones arrived, paging, and the
// detail of one alert with every output field. All text goes through Preact, which escapes it.
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson, PRIORITIES, type AlertPage, type AlertView, type RuleSummary } from './api.js';

export interface Filters {
  priority: string;
  rule: string;
  tag: string;
  container: string;
  pod: string;
  text: string;
}

export const NO_FILTERS: Filters = { priority: '', rule: '', tag: '', container: '', pod: '', text: '' };
const PAGE = 50;

function query(f: Filters, offset: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f) as Array<[string, string]>) if (v !== '') q.set(k, v);
  q.set('limit', String(PAGE));
  q.set('offset', String(offset));
  return q.toString();
}

function field(a: AlertView, name: string): string {
  const v = a.output_fields[name];
  return v === undefined || v === null ? '' : String(v);
}

function FilterBar({ filters, rules, onChange }: { filters: Filters; rules: RuleSummary[]; onChange: (f: Filters) => void }) {
  const set = (k: keyof Filters) => (e: Event) => onChange({ ...filters, [k]: (e.target as HTMLInputElement).value });
  const text = (k: keyof Filters, label: string) => html`<label>${label}
    <input data-testid=${`filter-${k}`} value=${filters[k]} onChange=${set(k)} placeholder="any" /></label>`;
  return html`<form class="filters" onSubmit=${(e: Event) => e.preventDefault()}>
    <label>Priority at least
      <select data-testid="filter-priority" value=${filters.priority} onChange=${set('priority')}>
        <option value="">any</option>
        ${PRIORITIES.map((p) => html`<option value=${p}>${p}</option>`)}
      </select></label>
    <label>Rule
      <select data-testid="filter-rule" value=${filters.rule} onChange=${set('rule')}>
        <option value="">any</option>
        ${rules.map((r) => html`<option value=${r.name}>${r.name}</option>`)}
      </select></label>
    ${text('tag', 'Tag')} ${text('container', 'Container')} ${text('pod', 'Pod')} ${text('text', 'Text')}
    <button type="button" data-testid="filter-clear" onClick=${() => onChange(NO_FILTERS)}>Clear</button>
  </form>`;
}

function AlertDetail({ alert, onClose }: { alert: AlertView; onClose: () => void }) {
  const names = Object.keys(alert.output_fields).sort();
  return html`<aside class="detail" data-testid="alert-detail">
    <button class="close" onClick=${onClose} aria-label="close">×</button>
    <h2><span class=${`prio prio-${alert.priority}`}>${alert.priority}</span> ${alert.rule}</h2>
    <p class="output" data-testid="detail-output">${alert.output}</p>
    <table class="fields">
      <tbody>
        <tr><th>time</th><td>${alert.time}</td></tr>
        <tr><th>hostname</th><td>${alert.hostname}</td></tr>
        <tr><th>source</th><td>${alert.source}</td></tr>
        <tr><th>tags</th><td>${alert.tags.join(', ')}</td></tr>
        ${names.map((n) => html`<tr data-testid="detail-field"><th>${n}</th><td>${String(alert.output_fields[n])}</td></tr>`)}
      </tbody>
    </table>
  </aside>`;
}

export function AlertsView({ rules, filters, setFilters, liveTick }: { rules: RuleSummary[]; filters: Filters; setFilters: (f: Filters) => void; liveTick: number }) {
  const [page, setPage] = useState<AlertPage | undefined>();
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<AlertView | undefined>();
  const [error, setError] = useState('');
  const seq = useRef(0);
  const load = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const p = await getJson<AlertPage>(`/api/alerts?${query(filters, offset)}`);
      if (mine === seq.current) {
        setPage(p);
        setError('');
      }
    } catch (e) {
      setError((e as Error).message);
    }
  }, [filters, offset]);
  useEffect(() => void load(), [load, liveTick]);
  useEffect(() => setOffset(0), [filters]);
  return html`<div class="alerts">
    <${FilterBar} filters=${filters} rules=${rules} onChange=${setFilters} />
    ${error && html`<p class="error">${error}</p>`}
    <p class="count" data-testid="alerts-total">${page ? `${page.total} alerts` : 'loading…'}</p>
    <table class="list" data-testid="alerts-table">
      <thead><tr><th>Time</th><th>Priority</th><th>Rule</th><th>Container</th><th>Process</th><th>Output</th></tr></thead>
      <tbody>
        ${(page?.items ?? []).map((a) => html`<tr key=${a.id} data-testid="alert-row" data-id=${a.id} class=${selected?.id === a.id ? 'selected' : ''} onClick=${() => setSelected(a)}>
          <td>${a.time.slice(11, 23)}</td>
          <td><span class=${`prio prio-${a.priority}`}>${a.priority}</span></td>
          <td data-testid="alert-rule">${a.rule}</td>
          <td>${field(a, 'container.name') || field(a, 'container.id')}</td>
          <td data-testid="alert-proc">${field(a, 'proc.name')}</td>
          <td class="out">${a.message}</td>
        </tr>`)}
      </tbody>
    </table>
    <nav class="pager">
      <button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
      <button disabled=${!page || offset + PAGE >= page.total} onClick=${() => setOffset(offset + PAGE)}>Older</button>
    </nav>
    ${selected && html`<${AlertDetail} alert=${selected} onClose=${() => setSelected(undefined)} />`}
  </div>`;
}
