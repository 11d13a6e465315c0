// A deployment: spec, sizing breakdown, placements and binding, the explanation, and its SLO over the last hour.
import { get } from './api.js';
import { h, gib, percent, table } from './dom.js';
import { lineChart } from './chart.js';

export async function deploymentView(ns, name) {
  const key = `${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
  const [model, slo, history] = await Promise.all([
    get(`/api/v1/models/${key}`),
    get(`/api/v1/slo/${key}`).catch(() => null),
    get(`/api/v1/slo/${key}/history?minutes=60`).catch(() => []),
  ]);
  const spec = model.spec;
  const sections = [];
  sections.push(h('h2', {}, `${model.namespace}/${model.name}`, h('span', { class: `badge status-${model.status.toLowerCase()}`, 'data-role': 'status' }, model.status)));
  if (model.message) sections.push(h('p', { class: 'message' }, model.message));
  sections.push(h('section', { 'aria-labelledby': 'spec-title' }, h('h3', { id: 'spec-title' }, 'Spec'),
    h('dl', { class: 'facts' }, Object.entries(spec).filter(([, v]) => v !== null && v !== undefined)
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]))));
  if (model.sizing) {
    const s = model.sizing;
    sections.push(h('section', { 'aria-labelledby': 'sizing-title' }, h('h3', { id: 'sizing-title' }, 'Sizing (per replica)'),
      table(['Part', 'GiB'], [
        ['Weights', gib(s.weightsBytes)], ['KV cache (target)', gib(s.kvCacheTargetBytes)], ['KV cache (at least)', gib(s.kvCacheMinBytes)],
        ['Activations', gib(s.activationBytes)], ['Total', gib(s.totalBytes)],
      ], `${s.resolvedModel}: ${s.maxModelLen} tokens × ${s.maxNumSeqs} sequences`)));
  }
  sections.push(h('section', { 'aria-labelledby': 'placement-title' }, h('h3', { id: 'placement-title' }, 'Placement and binding'),
    model.placements.length === 0 ? h('p', {}, 'No replica is placed.') :
      table(['Replica', 'Node/GPU', 'Partitions', 'Modes', 'Reserved', 'KV cache', 'Device', 'Environment'],
        model.placements.map((p) => [String(p.replica), `${p.node}/${p.gpu}`, p.partitions.join(', '), `${p.computeMode}/${p.memoryMode}`,
          `${gib(p.reservedBytes)} GiB`, `${gib(p.kvCacheBytes)} GiB${p.fullKvCache ? '' : ' (reduced)'}`, p.binding?.device ?? '–',
          Object.entries(p.binding?.environment ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '–'])),
    model.binding?.vllmArguments?.length ? h('p', {}, 'vLLM arguments: ', h('code', {}, model.binding.vllmArguments.join(' '))) : null));
  if (model.explanation) {
    sections.push(h('section', { 'aria-labelledby': 'explain-title', 'data-role': 'explanation' }, h('h3', { id: 'explain-title' }, 'Why not (fully) placed'),
      h('p', {}, model.explanation.summary),
      model.explanation.gpus.length ? table(['Node/GPU', 'Reason', 'Detail'], model.explanation.gpus.map((g) => [`${g.node}/${g.gpu}`, g.reason, g.detail])) : null));
  }
  sections.push(renderSlo(slo, history));
  return h('article', { class: 'deployment', 'data-deployment-page': `${model.namespace}/${model.name}` }, sections);
}

function renderSlo(slo, history) {
  const section = h('section', { 'aria-labelledby': 'slo-title', class: 'slo' }, h('h3', { id: 'slo-title' }, 'SLO'));
  if (!slo) return section.append(h('p', {}, 'No SLO data.')), section;
  const t = slo.targets;
  section.append(h('p', {}, t ? `Target ${percent(t.target)} of requests within TTFT ${t.ttftMs ?? '–'} ms, TPOT ${t.tpotMs ?? '–'} ms. ` : 'No targets set. ',
    `State: `, h('span', { class: `badge burn-${slo.burn}`, 'data-role': 'burn' }, slo.burn),
    `. Error budget left (24 h): ${percent(slo.errorBudgetRemaining)}.`));
  section.append(table(['Window', 'Requests', 'Good', 'Attainment', 'Burn rate'],
    slo.windows.map((w) => [w.window, String(w.requests), String(w.good), percent(w.attainment), w.burnRate === null ? '–' : w.burnRate.toFixed(2)])));
  const points = (history || []).map((p) => ({ minute: p.minute, value: p.attainment }));
  const burns = (history || []).map((p) => ({ minute: p.minute, value: p.burnRate5m }));
  section.append(h('div', { class: 'charts' },
    lineChart({ title: 'Attainment per minute (last hour)', points, yMax: 1, threshold: t?.target, format: (v) => `${Math.round(v * 100)}%`, role: 'attainment' }),
    lineChart({ title: 'Burn rate, 5-minute window (last hour)', points: burns, yMax: 2, threshold: 1, format: (v) => v.toFixed(1), role: 'burn' })));
  return section;
}
