// The HTML of the dashboard and demo pages (no build step: plain scripts; uPlot is served by
// the dashboard from its npm package). Element ids are what test/viz_browser.test.ts reads.

export const DASHBOARD_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>myelin training</title>
<link rel="stylesheet" href="/uplot.css"><script src="/uplot.js"></script>
<style>body{font:14px system-ui,sans-serif;margin:16px}#charts{display:flex;flex-wrap:wrap;gap:12px}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}</style></head>
<body><h2>myelin training <small id="status">connecting</small></h2>
<p>points: <b id="points">0</b> · epoch <b id="epoch">-</b> · <b id="rate">-</b> samples/s · lr <b id="lr">-</b></p>
<div id="charts"><div id="loss"></div><div id="acc"></div><div id="lrc"></div><div id="speed"></div></div>
<h3>epochs</h3><table id="epochs"><tr><th>epoch</th><th>loss</th><th>acc</th><th>test loss</th><th>test acc</th><th>seconds</th></tr></table>
<h3>sample predictions: predicted (true) <small id="samplesinfo"></small></h3><div id="samples" style="display:flex;flex-wrap:wrap;gap:6px"></div>
<script>
const d = { step: [], loss: [], acc: [], lr: [], rate: [] };
const mk = (el, label, key, color) => new uPlot({ width: 420, height: 220, title: label,
  series: [{ label: 'step' }, { label, stroke: color }], scales: { x: { time: false } } }, [d.step, d[key]], document.getElementById(el));
const charts = [mk('loss', 'loss', 'loss', '#1f77b4'), mk('acc', 'accuracy', 'acc', '#2ca02c'), mk('lrc', 'learning rate', 'lr', '#9467bd'), mk('speed', 'samples/s', 'rate', '#ff7f0e')];
const keys = ['loss', 'acc', 'lr', 'rate'];
let dirty = false;
const es = new EventSource('/events');
es.onopen = () => { document.getElementById('status').textContent = 'live'; };
es.onerror = () => { document.getElementById('status').textContent = 'disconnected'; };
es.addEventListener('batch', (e) => {
  const p = JSON.parse(e.data);
  d.step.push(p.step); d.loss.push(p.loss); d.acc.push(p.acc); d.lr.push(p.lr ?? null); d.rate.push(p.samplesPerSecond);
  document.getElementById('points').textContent = d.step.length;
  document.getElementById('epoch').textContent = p.epoch.toFixed(2) + ' / ' + p.epochs;
  document.getElementById('rate').textContent = Math.round(p.samplesPerSecond);
  document.getElementById('lr').textContent = p.lr === undefined ? '-' : p.lr.toPrecision(3);
  dirty = true;
});
// redraw at most once per animation frame, however fast points come
(function frame() { if (dirty) { charts.forEach((c, i) => c.setData([d.step, d[keys[i]]])); dirty = false; } requestAnimationFrame(frame); })();
es.addEventListener('epoch', (e) => {
  const l = JSON.parse(e.data), f = (v, pct) => v === undefined ? '' : pct ? (100 * v).toFixed(2) + '%' : v.toFixed(4);
  const row = document.createElement('tr');
  row.innerHTML = '<td>' + l.epoch + '</td><td>' + f(l.loss) + '</td><td>' + f(l.acc, 1) + '</td><td>' + f(l.testLoss) + '</td><td>' + f(l.testAcc, 1) + '</td><td>' + l.seconds.toFixed(2) + '</td>';
  document.getElementById('epochs').appendChild(row);
});
es.addEventListener('samples', (e) => {
  const s = JSON.parse(e.data);
  document.getElementById('samples').innerHTML = s.images.map((src, i) => '<figure style="margin:0;text-align:center"><img src="' + src +
    '" width="56" height="56" style="image-rendering:pixelated"><figcaption style="color:' + (s.predicted[i] === s.actual[i] ? 'black' : '#c00') + '">' +
    s.predicted[i] + ' (' + s.actual[i] + ')</figcaption></figure>').join('');
  document.getElementById('samplesinfo').textContent = s.correct + ' / ' + s.total + ' correct';
});
</script></body></html>`;

export const DEMO_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>myelin MNIST demo</title>
<style>body{font:14px system-ui,sans-serif;margin:16px}#pad{border:1px solid #888;cursor:crosshair;touch-action:none;background:#000}
.bar{display:flex;align-items:center;gap:6px;margin:2px 0}.bar span{width:14px;text-align:right}.bar div{height:14px;background:#1f77b4}</style></head>
<body><h2>Draw a digit</h2><p><a href="/samples">generated samples</a></p>
<div style="display:flex;gap:24px"><div><canvas id="pad" width="280" height="280"></canvas><br><button id="clear">clear</button></div>
<div><p>prediction: <b id="label">-</b> (<span id="conf">-</span>)</p><div id="bars"></div></div></div>
<script>
const pad = document.getElementById('pad'), ctx = pad.getContext('2d');
const small = document.createElement('canvas'); small.width = small.height = 28;
const sctx = small.getContext('2d', { willReadFrequently: true });
ctx.lineCap = ctx.lineJoin = 'round'; ctx.lineWidth = 18; ctx.strokeStyle = '#fff';
let down = false, last = null, pending = false, again = false, requests = 0;
const pos = (e) => { const r = pad.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
pad.addEventListener('pointerdown', (e) => { down = true; last = pos(e); stroke(last); });
pad.addEventListener('pointermove', (e) => { if (down) stroke(pos(e)); });
window.addEventListener('pointerup', () => { down = false; last = null; predict(); });
document.getElementById('clear').onclick = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 280, 280); document.getElementById('label').textContent = '-'; };
ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 280, 280);
function stroke(p) { ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke(); last = p; predict(); }
// one request in flight at a time; strokes meanwhile trigger one more when it returns
async function predict() {
  if (pending) { again = true; return; }
  pending = true;
  sctx.clearRect(0, 0, 28, 28); sctx.drawImage(pad, 0, 0, 28, 28);
  const px = sctx.getImageData(0, 0, 28, 28).data, pixels = [];
  for (let i = 0; i < 784; i++) pixels.push(px[4 * i] / 255);
  try {
    const r = await fetch('/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pixels }) });
    const p = await r.json();
    requests++;
    document.getElementById('label').textContent = p.class;
    document.getElementById('label').dataset.requests = requests;
    document.getElementById('conf').textContent = (100 * p.probabilities[p.class]).toFixed(1) + '%';
    document.getElementById('bars').innerHTML = p.probabilities.map((q, k) => '<div class="bar"><span>' + k + '</span><div style="width:' + Math.round(200 * q) + 'px"></div>' + (100 * q).toFixed(1) + '%</div>').join('');
  } finally { pending = false; if (again) { again = false; predict(); } }
}
</script></body></html>`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** The samples page: every PNG in the run directory (a generative model's samples), or a line saying there are none. */
export function samplesHtml(files: string[], dir: string | undefined): string {
  const body = files.length === 0
    ? `<p id="none">no generated samples${dir ? ` in ${esc(dir)}` : ''} (no generative model's PNGs; pass --run-dir DIR holding them)</p>`
    : `<div style="display:flex;flex-wrap:wrap;gap:8px">${files.map((f) => `<figure><img src="/samples/${encodeURIComponent(f)}" style="image-rendering:pixelated;min-width:112px"><figcaption>${esc(f)}</figcaption></figure>`).join('')}</div>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>samples</title></head><body style="font:14px system-ui,sans-serif"><h2>generated samples</h2><p><a href="/">draw a digit</a></p>${body}</body></html>`;
}
