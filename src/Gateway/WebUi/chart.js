// A line chart as SVG: minute points, a y range, an optional threshold line; its summary as the accessible name.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

export function lineChart({ title, points, yMax, threshold, format, role }) {
  const width = 560, height = 160, left = 44, bottom = 22, top = 8, right = 8;
  const values = points.filter((p) => p.value !== null && p.value !== undefined);
  const max = Math.max(yMax ?? 0, ...values.map((p) => p.value), threshold ?? 0) || 1;
  const x = (i) => left + (points.length <= 1 ? 0 : (i / (points.length - 1)) * (width - left - right));
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  const last = values.at(-1);
  const summary = `${title}: ${values.length ? `latest ${format(last.value)}, ${values.length} of the last ${points.length} minutes with requests` : 'no requests in the last hour'}`;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, class: 'chart', 'data-chart': role });
  chart.append(svg('title', {}, summary));
  for (const tick of [0, 0.5, 1]) {
    chart.append(svg('line', { x1: left, x2: width - right, y1: y(max * tick), y2: y(max * tick), class: 'grid' }));
    chart.append(svg('text', { x: left - 6, y: y(max * tick) + 4, 'text-anchor': 'end', class: 'axis' }, format(max * tick)));
  }
  chart.append(svg('text', { x: left, y: height - 4, class: 'axis' }, `${points.length} min ago`));
  chart.append(svg('text', { x: width - right, y: height - 4, 'text-anchor': 'end', class: 'axis' }, 'now'));
  if (threshold !== undefined && threshold !== null) {
    chart.append(svg('line', { x1: left, x2: width - right, y1: y(threshold), y2: y(threshold), class: 'threshold' }));
  }
  // Segments between minutes with data; a gap where there was none.
  let path = '';
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) return;
    const previous = points[i - 1];
    path += `${previous && previous.value !== null && previous.value !== undefined ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
  });
  if (path) chart.append(svg('path', { d: path, class: 'line' }));
  values.length === 1 && chart.append(svg('circle', { cx: x(points.indexOf(values[0])), cy: y(values[0].value), r: 3, class: 'dot' }));
  return h('figure', { class: 'chart-figure' }, h('figcaption', {}, title), chart);
}
