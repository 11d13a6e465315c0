// The fleet map: nodes → GPUs → partitions drawn to scale by memory, each partition filled by its reservations
// (coloured by priority, outlined by the deployment's SLO state), VRAM in use marked, GPUs in reconfiguration with
// their progress, unreachable nodes greyed. Used for the live fleet and for a what-if plan alike.
import { h, gib } from './dom.js';

// The steps a compute change goes through; a memory change adds its own. Progress is the share of them done.
const STEPS = ['Draining', 'SettingMemory', 'ReloadingDriver', 'SettingCompute', 'Verifying', 'Ready'];

export function sloStates(slos) {
  return new Map((slos || []).map((s) => [s.deployment, s.burn]));
}

export function renderFleet(gpus, { slos = new Map(), nodes = [], caption = 'Fleet' } = {}) {
  const unreachable = new Set(nodes.filter((n) => n.reachable === false).map((n) => n.node ?? n.name));
  const byNode = new Map();
  for (const gpu of gpus) {
    if (!byNode.has(gpu.node)) byNode.set(gpu.node, []);
    byNode.get(gpu.node).push(gpu);
  }
  const map = h('section', { class: 'fleet', 'aria-label': caption });
  if (gpus.length === 0) map.append(h('p', {}, 'No GPUs: no node silo has registered yet.'));
  const largest = Math.max(1, ...gpus.map((g) => g.vramBytes));
  for (const [node, list] of byNode) {
    const down = unreachable.has(node) || list.every((g) => g.state === 'Unreachable');
    map.append(h('section', { class: `node${down ? ' unreachable' : ''}`, 'data-node': node, 'aria-label': `Node ${node}${down ? ' (unreachable)' : ''}` },
      h('h2', {}, node, down ? h('span', { class: 'badge grey' }, 'Unreachable') : null),
      list.sort((a, b) => a.index - b.index).map((gpu) => renderGpu(gpu, slos, largest))));
  }
  return map;
}

function renderGpu(gpu, slos, largest) {
  const reserved = gpu.partitions.reduce((sum, p) => sum + p.reservedBytes, 0);
  const operation = gpu.operation?.status === 'Running' ? gpu.operation : null;
  const stateClass = { Ready: 'ok', Degraded: 'bad', Failed: 'bad', Unreachable: 'grey' }[gpu.state] ?? 'busy';
  const header = h('header', {},
    h('h3', {}, `GPU ${gpu.index}`),
    h('span', { class: 'model' }, gpu.model),
    h('span', { class: 'modes' }, `${gpu.computeMode ?? '?'}/${gpu.memoryMode ?? '?'}`),
    h('span', { class: `badge ${stateClass}`, 'data-role': 'state' }, gpu.state),
    h('span', { class: 'total' }, `${gib(reserved)} / ${gib(gpu.vramBytes)} GiB reserved`));
  const progress = operation ? renderProgress(operation) : null;
  const used = gpu.telemetry?.partitionVramUsedBytes;
  const partitions = h('div', { class: 'partitions', role: 'list', style: { width: `${(gpu.vramBytes / largest) * 100}%` } },
    gpu.partitions.map((p) => renderPartition(gpu, p, used?.[p.index], slos)));
  return h('article', {
    class: `gpu state-${stateClass}`, 'data-gpu': `${gpu.node}/${gpu.index}`, 'data-state': gpu.state,
    'data-compute-mode': gpu.computeMode ?? '', 'aria-label': `GPU ${gpu.node}/${gpu.index}, ${gpu.model}, ${gpu.computeMode}/${gpu.memoryMode}, ${gpu.state}`,
  }, header, progress, partitions);
}

function renderProgress(operation) {
  const steps = operation.steps || [];
  const current = steps.at(-1);
  const done = Math.max(1, STEPS.indexOf(current?.state) + 1);
  return h('div', { class: 'progress', 'data-role': 'progress' },
    h('label', {}, `Reconfiguring to ${operation.target.computeMode}/${operation.target.memoryMode}: ${current?.state ?? 'starting'}`,
      h('progress', { max: STEPS.length, value: done }, `${done} of ${STEPS.length}`)),
    current?.detail ? h('span', { class: 'detail' }, current.detail) : null);
}

function renderPartition(gpu, partition, usedBytes, slos) {
  const holders = partition.reservations.map((r) => `${r.deployment} ${gib(r.bytes)} GiB`).join(', ') || 'free';
  const usedText = usedBytes === undefined || usedBytes === null ? '' : `, ${gib(usedBytes)} GiB in use`;
  const element = h('div', {
    class: 'partition', role: 'listitem', 'data-partition': partition.index, 'data-vram': partition.vramBytes,
    style: { flexGrow: String(partition.vramBytes), flexBasis: '0' },
    'aria-label': `Partition ${partition.index}: ${gib(partition.reservedBytes)} of ${gib(partition.vramBytes)} GiB reserved (${holders})${usedText}`,
    title: `Partition ${partition.index} — ${gib(partition.reservedBytes)}/${gib(partition.vramBytes)} GiB reserved${usedText}`,
  },
  h('span', { class: 'label' }, `#${partition.index} · ${gib(partition.vramBytes)} GiB`),
  h('div', { class: 'fill' }, partition.reservations.map((r) => {
    const burn = slos.get(r.deployment) ?? 'no-slo';
    const [ns, name] = r.deployment.split('/');
    return h('a', {
      class: `reservation priority-${r.priority.toLowerCase()} slo-${burn}`, href: `#/models/${ns}/${name}`,
      'data-deployment': r.deployment, 'data-priority': r.priority.toLowerCase(), 'data-slo': burn,
      style: { width: `${Math.max(1, (r.bytes / partition.vramBytes) * 100)}%` },
      title: `${r.deployment} replica ${r.replica}: ${gib(r.bytes)} GiB, ${r.priority}, SLO ${burn}`,
    }, h('span', {}, r.deployment));
  })),
  usedBytes ? h('div', { class: 'used', 'data-role': 'used', style: { width: `${Math.min(100, (usedBytes / partition.vramBytes) * 100)}%` } }) : null);
  return element;
}

export function legend() {
  return h('div', { class: 'legend', 'aria-label': 'Legend' },
    h('span', { class: 'key priority-high' }, 'high'), h('span', { class: 'key priority-medium' }, 'medium'),
    h('span', { class: 'key priority-low' }, 'low'),
    h('span', { class: 'key outline slo-fast' }, 'SLO burning fast'), h('span', { class: 'key outline slo-slow' }, 'burning slowly'),
    h('span', { class: 'key outline slo-ok' }, 'SLO met'),
    h('span', { class: 'key used-key' }, 'VRAM in use'));
}
