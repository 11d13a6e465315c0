// The page: a hash router over four views (fleet map, deployment, what-if, chat); the fleet and a deployment refresh
// every 1.5 s while shown.
import { get, token } from './api.js';
import { h, gib } from './dom.js';
import { renderFleet, legend, sloStates } from './fleet.js';
import { deploymentView } from './deployment.js';
import { whatIfView } from './whatif.js';
import { chatView } from './chat.js';

const REFRESH_MS = 1500;
// Every deployment's SLO is a grain call each: asked for every 10 s, not on every refresh (its windows are 5 minutes
// and longer, so nothing is lost), so that an open page costs the cluster little.
const SLO_REFRESH_MS = 10_000;
let slosCache = { at: 0, value: [] };

async function slosEvery10s() {
  if (Date.now() - slosCache.at >= SLO_REFRESH_MS) slosCache = { at: Date.now(), value: await get('/api/v1/slo') };
  return slosCache.value;
}
const main = document.getElementById('main');
const status = document.getElementById('status');
let timer = null;
let generation = 0;

async function fleetView() {
  const [nodes, models, slos] = await Promise.all([get('/api/v1/nodes'), get('/api/v1/models'), slosEvery10s()]);
  const burns = sloStates(slos);
  const gpus = nodes.flatMap((n) => n.gpus);
  const rows = models.map((m) => h('tr', { 'data-model': `${m.namespace}/${m.name}` },
    h('td', {}, h('a', { href: `#/models/${m.namespace}/${m.name}` }, `${m.namespace}/${m.name}`)),
    h('td', {}, m.spec.model), h('td', {}, m.spec.priority),
    h('td', {}, `${m.placements.length}/${m.spec.replicas}`), h('td', {}, m.status),
    h('td', {}, `${gib(m.placements.reduce((s, p) => s + p.reservedBytes, 0))} GiB`),
    h('td', {}, burns.get(`${m.namespace}/${m.name}`) ?? '–')));
  return h('div', {},
    h('h2', {}, 'Fleet'),
    h('p', { class: 'summary' }, `${nodes.length} node(s), ${gpus.length} GPU(s), ${gpus.reduce((s, g) => s + g.partitions.length, 0)} partition(s); `,
      `${gib(gpus.reduce((s, g) => s + g.partitions.reduce((t, p) => t + p.reservedBytes, 0), 0))} of ${gib(gpus.reduce((s, g) => s + g.vramBytes, 0))} GiB reserved.`),
    legend(),
    renderFleet(gpus, { slos: burns, nodes: nodes.map((n) => ({ node: n.name, reachable: n.reachable })) }),
    h('h2', {}, 'Deployments'),
    models.length === 0 ? h('p', {}, 'No deployments yet.') : h('table', { class: 'models' },
      h('thead', {}, h('tr', {}, ['Deployment', 'Model', 'Priority', 'Replicas', 'Status', 'Reserved', 'SLO'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}

function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const model = hash.match(/^\/models\/([^/]+)\/([^/]+)$/);
  if (model) return { name: 'deployment', render: () => deploymentView(model[1], model[2]), live: true };
  if (hash === '/what-if') return { name: 'what-if', render: whatIfView, live: false };
  if (hash === '/chat') return { name: 'chat', render: chatView, live: false };
  return { name: 'fleet', render: fleetView, live: true };
}

async function show() {
  clearTimeout(timer);
  const mine = ++generation;
  const view = route();
  document.querySelectorAll('[data-nav]').forEach((a) => a.toggleAttribute('aria-current', a.dataset.nav === view.name));
  document.body.dataset.view = view.name;
  const draw = async (first) => {
    try {
      const element = await view.render();
      if (mine !== generation) return;
      // A poll that brings nothing new leaves the page alone: a selection, a hover and the screen reader's place
      // survive, and the status (a polite live region) speaks only of changes.
      const changed = first || element.outerHTML !== main.firstElementChild?.outerHTML || status.classList.contains('error');
      if (changed) {
        // Keep the reader's place: replace the content, not the page.
        const scroll = window.scrollY;
        const focused = main.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
        main.replaceChildren(element);
        window.scrollTo(0, scroll);
        if (focused) main.querySelector(`[href="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
        status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
        status.classList.remove('error');
      }
      status.dataset.checked = new Date().toISOString(); // when the page last asked, changed or not
    } catch (error) {
      if (mine !== generation) return;
      status.textContent = `Could not load: ${error.message}`;
      status.classList.add('error');
      if (first) main.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
    }
    if (view.live && mine === generation) timer = setTimeout(() => draw(false), REFRESH_MS);
  };
  await draw(true);
  if (!view.live) main.focus({ preventScroll: true });
}

const tokenInput = document.getElementById('token');
tokenInput.value = token.get();
tokenInput.addEventListener('change', () => token.set(tokenInput.value.trim()));
document.getElementById('token-form').addEventListener('submit', (event) => { event.preventDefault(); token.set(tokenInput.value.trim()); });
window.addEventListener('hashchange', show);
show();
