# References for test/text_data.test.ts from torch: language-model windows as
# tokens.unfold(0, seqLen + 1, stride) (input w[:, :-1], target w[:, 1:]) and padded batches
# as nn.utils.rnn.pad_sequence(batch_first=True). Run: /tmp/venv-c/bin/python scripts/gen_text_data_fixtures.py
import json, os
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(17)
tokens = rng.integers(0, 1000, size=53).tolist()
t = torch.tensor(tokens)
windows = []
for seq_len, stride in [(5, 5), (5, 2), (7, 3), (4, 1), (52, 1), (53, 1)]:
    w = t.unfold(0, seq_len + 1, stride) if len(tokens) >= seq_len + 1 else torch.zeros(0, seq_len + 1, dtype=torch.long)
    windows.append({'seqLen': seq_len, 'stride': stride, 'count': w.shape[0],
                    'inputs': w[:, :-1].tolist(), 'targets': w[:, 1:].tolist()})
seqs = [rng.integers(1, 50, size=n).tolist() for n in (3, 7, 1, 5, 7)]
pads = []
for pv in (0, 99):
    p = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=pv)
    pads.append({'paddingValue': pv, 'padded': p.tolist()})
with open(os.path.join(ROOT, 'test', 'fixtures', 'text', 'windows.json'), 'w') as f:
    json.dump({'source': 'torch.unfold / pad_sequence; scripts/gen_text_data_fixtures.py', 'tokens': tokens,
               'windows': windows, 'seqs': seqs, 'pads': pads}, f)
print([w['count'] for w in windows])
