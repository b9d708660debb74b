// CPU time per LSTM / GRU training step (bench/rnn.js's case: input 64, hidden 256, batch 64,
// 50 steps, batchFirst, Adam), myelin and PyTorch each on ONE thread, measured as process CPU
// time: on a shared, loaded machine wall-clock ratios swing with the neighbours, CPU time much less.
// Run: node bench/rnn_cputime.js [steps]   (python from PATH; /tmp/venv-c/bin first)
'use strict';
const { spawnSync } = require('child_process');
const my = require('..');

const [I, H, B, T] = [64, 256, 64, 50];
const steps = Number(process.argv[2] ?? 20);
my.setNumThreads(1);

function cpuMs(Layer) {
  my.manualSeed(0);
  const net = new my.nn[Layer](I, H, { batchFirst: true }), x = my.randn(B, T, I);
  const opt = new my.optim.Adam(net.parameters(), { lr: 1e-3 });
  const step = () => my.tidy(() => { opt.zeroGrad(); net.forward(x)[0].mean().backward(); opt.step(); });
  for (let i = 0; i < 3; i++) step();
  const per = [];
  for (let i = 0; i < steps; i++) { const c0 = process.cpuUsage(); step(); const c = process.cpuUsage(c0); per.push((c.user + c.system) / 1e3); }
  return per.sort((a, b) => a - b)[per.length >> 1];
}

const py = `
import time, torch
torch.set_num_threads(1)
I, H, B, T = ${I}, ${H}, ${B}, ${T}
for cls in (torch.nn.LSTM, torch.nn.GRU):
    torch.manual_seed(0)
    net = cls(I, H, batch_first=True); x = torch.randn(B, T, I); opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    def step():
        opt.zero_grad(); net(x)[0].mean().backward(); opt.step()
    for _ in range(3): step()
    per = []
    for _ in range(${steps}):
        c0 = time.process_time(); step(); per.append((time.process_time() - c0) * 1e3)
    per.sort(); print(per[len(per) // 2])
`;
const torchMs = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
if (torchMs.status !== 0) throw new Error(torchMs.stderr);
const [tl, tg] = torchMs.stdout.trim().split('\n').map(Number);
for (const [Layer, t] of [['LSTM', tl], ['GRU', tg]]) {
  const m = cpuMs(Layer);
  console.log(`${Layer} train step in${I} h${H} b${B} t${T} adam, 1 thread, median CPU ms of ${steps}: myelin ${m.toFixed(1)}, PyTorch ${t.toFixed(1)}, ratio ${(t / m).toFixed(2)}x (> 1: myelin faster)`);
}
