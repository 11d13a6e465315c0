// What-if: deployments pasted as YAML or JSON and an optional fleet go to POST /api/v1/plan, and the plan is drawn
// on the map — nothing is applied.
import { get, post } from './api.js';
import { h, table } from './dom.js';
import { renderFleet } from './fleet.js';
import { loadAll } from './vendor/js-yaml.mjs';

const PARTITIONS = { SPX: 1, DPX: 2, TPX: 3, QPX: 4, CPX: 8 };
const VRAM_GIB = { MI300X: 192, MI325X: 256, MI350X: 288, MI355X: 288 };
const EXAMPLE = `# one deployment per item; namespace defaults to "default"
- namespace: team-a
  name: chat
  model: qwen2.5-7b
  priority: high
  replicas: 2
- namespace: team-b
  name: batch
  model: qwen2.5-0.5b
  priority: low
  replicas: 3`;

export function whatIfView() {
  const deployments = h('textarea', { id: 'whatif-deployments', rows: 12, spellcheck: 'false' });
  deployments.value = EXAMPLE;
  const fleet = h('input', { id: 'whatif-fleet', type: 'text', placeholder: 'e.g. MI300X=4,MI355X=2', 'aria-describedby': 'whatif-fleet-help' });
  const result = h('div', { class: 'plan-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Plan');
  const form = h('form', {
    class: 'whatif', onsubmit: async (event) => {
      event.preventDefault();
      button.disabled = true;
      result.replaceChildren(h('p', {}, 'Planning…'));
      try {
        const body = { deployments: parseDeployments(deployments.value) };
        if (fleet.value.trim()) body.fleet = parseFleet(fleet.value);
        const [plan, nodes] = await Promise.all([post('/api/v1/plan', body), get('/api/v1/nodes')]);
        result.replaceChildren(renderPlan(plan, body.deployments, nodes));
      } catch (error) {
        result.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      } finally {
        button.disabled = false;
      }
    },
  },
  h('label', { for: 'whatif-deployments' }, 'Deployments (YAML or JSON)'), deployments,
  h('label', { for: 'whatif-fleet' }, 'Fleet'), fleet,
  h('p', { id: 'whatif-fleet-help', class: 'help' }, 'MODEL=COUNT pairs for a hypothetical fleet; empty plans on the real fleet with its reservations. Nothing is applied either way.'),
  button);
  return h('article', { class: 'whatif-page' }, h('h2', {}, 'What-if'), form, result);
}

export function parseDeployments(text) {
  const documents = text.trim().startsWith('{') || text.trim().startsWith('[') ? [JSON.parse(text)] : loadAll(text);
  const items = documents.flatMap((d) => Array.isArray(d) ? d : d?.deployments ?? (d ? [d] : []));
  if (items.length === 0) throw new Error('No deployment: give a mapping with a name, a list of them, or { deployments: [...] }.');
  return items.map((d, i) => {
    if (typeof d !== 'object' || !d.name) throw new Error(`Deployment ${i + 1} has no name.`);
    return { namespace: 'default', ...d };
  });
}

function parseFleet(text) {
  return text.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [model, count] = part.split('=');
    if (!model || !/^[0-9]+$/.test(count ?? '')) throw new Error(`The fleet takes MODEL=COUNT pairs, not '${part}'.`);
    return { model: model.trim(), count: Number(count) };
  });
}

function renderPlan(plan, deployments, nodes) {
  const priorities = new Map(deployments.map((d) => [`${d.namespace}/${d.name}`, d.priority ?? 'medium']));
  const real = new Map(nodes.flatMap((n) => n.gpus).map((g) => [`${g.node}/${g.index}`, g]));
  const gpus = new Map();
  for (const planned of plan.deployments) {
    const key = `${planned.namespace}/${planned.name}`;
    for (const p of planned.placements) {
      const id = `${p.node}/${p.gpu}`;
      if (!gpus.has(id)) gpus.set(id, plannedGpu(p, real.get(id)));
      const gpu = gpus.get(id);
      const partition = gpu.partitions[p.partition] ?? gpu.partitions[0];
      partition.reservations.push({ deployment: key, bytes: p.reservedBytes, replica: p.replica, priority: priorities.get(key) ?? 'medium' });
      partition.reservedBytes += p.reservedBytes;
    }
  }
  const unplaced = plan.deployments.flatMap((d) => d.unplaced.map((u) => [`${d.namespace}/${d.name}`, String(u.replica), u.explanation.summary]));
  return h('section', { 'data-plan': '', 'aria-label': 'Plan' },
    h('p', { class: 'summary', 'data-role': 'plan-summary' },
      `GPUs used: ${plan.gpusUsed} of ${plan.gpuCount}${plan.hypotheticalFleet ? ' (hypothetical fleet)' : ''}; lower bound ${plan.lowerBound.value} (${plan.lowerBound.name}). Not applied.`),
    renderFleet([...gpus.values()], { caption: 'Planned placements' }),
    plan.repartitions.length ? table(['Node/GPU', 'From', 'To'], plan.repartitions.map((r) => [`${r.node}/${r.gpu}`, r.from, `${r.to}${r.memoryMode ? '/' + r.memoryMode : ''}`]), 'Repartitions the plan needs') : null,
    plan.preemptions.length ? table(['Deployment', 'Replica', 'On', 'For'], plan.preemptions.map((p) => [p.deployment, String(p.replica), `${p.node}/${p.gpu}`, p.preemptedFor]), 'Preemptions') : null,
    unplaced.length ? table(['Deployment', 'Replica', 'Why not'], unplaced, 'Not placed') : null);
}

function plannedGpu(placement, real) {
  const model = real?.model ?? (placement.node.match(/^hypothetical-([a-z0-9]+)-/)?.[1] ?? 'MI300X').toUpperCase();
  const vramBytes = real?.vramBytes ?? (VRAM_GIB[model] ?? 192) * 1024 ** 3;
  const count = PARTITIONS[placement.computeMode] ?? 1;
  const sameLayout = real && real.computeMode === placement.computeMode && real.partitions.length === count;
  return {
    node: placement.node, index: placement.gpu, model, vramBytes, computeMode: placement.computeMode, memoryMode: placement.memoryMode,
    state: 'Planned', operation: null,
    partitions: Array.from({ length: count }, (_, i) => ({
      index: i, vramBytes: sameLayout ? real.partitions[i].vramBytes : Math.floor(vramBytes / count),
      reservedBytes: 0, reservations: [],
    })),
  };
}

