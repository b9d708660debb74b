"""Fixtures for test/io_rnn.test.ts: torch nn.LSTM / nn.GRU state dicts saved by torch itself
(safetensors.torch.save_file and torch.save) with torch's outputs and final states on fixed
inputs, so myelin's nn.LSTM / nn.GRU can be checked to load them unchanged and agree.
Writes test/fixtures/torch/rnn_<case>.safetensors, rnn_<case>.pt and rnn_cases.json.
Run: /tmp/venv-c/bin/python scripts/gen_rnn_io_fixtures.py"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch')
os.makedirs(OUT, exist_ok=True)


class Classifier(nn.Module):
    """Embedding -> LSTM -> Linear on the last step: state dict keys with module prefixes."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 5)
        self.lstm = nn.LSTM(5, 6, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(out[:, -1])


def dump(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


# (name, constructor kwargs (torch names), input shape, initial states given?)
LAYERS = [
    ('lstm', nn.LSTM, dict(input_size=5, hidden_size=7, num_layers=2, bidirectional=True, batch_first=True), True),
    ('lstm_proj', nn.LSTM, dict(input_size=5, hidden_size=7, num_layers=2, bidirectional=True, batch_first=True, proj_size=3), True),
    ('gru', nn.GRU, dict(input_size=5, hidden_size=6, num_layers=2, bidirectional=True, batch_first=True), True),
    ('gru_zero_state', nn.GRU, dict(input_size=4, hidden_size=5, num_layers=1, bias=False), False),
]

cases = {}
for i, (name, cls, kw, with_state) in enumerate(LAYERS):
    torch.manual_seed(100 + i)
    layer = cls(**kw).eval()
    B, T = 3, 4
    D = 2 if kw.get('bidirectional') else 1
    L = kw.get('num_layers', 1)
    hout = kw.get('proj_size', 0) or kw['hidden_size']
    x = torch.randn(B, T, kw['input_size']) if kw.get('batch_first') else torch.randn(T, B, kw['input_size'])
    case = {'class': cls.__name__, 'options': kw, 'x': dump(x)}
    with torch.no_grad():
        if cls is nn.LSTM:
            h0, c0 = torch.randn(L * D, B, hout), torch.randn(L * D, B, kw['hidden_size'])
            out, (hn, cn) = layer(x, (h0, c0)) if with_state else layer(x)
            if with_state:
                case.update(h0=dump(h0), c0=dump(c0))
            case.update(out=dump(out), hn=dump(hn), cn=dump(cn))
        else:
            h0 = torch.randn(L * D, B, hout)
            out, hn = layer(x, h0) if with_state else layer(x)
            if with_state:
                case['h0'] = dump(h0)
            case.update(out=dump(out), hn=dump(hn))
    sd = layer.state_dict()
    case['keys'] = list(sd.keys())
    save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(OUT, f'rnn_{name}.safetensors'))
    torch.save(sd, os.path.join(OUT, f'rnn_{name}.pt'))
    cases[name] = case

# a whole model: keys carry module prefixes (lstm.weight_ih_l0_reverse, ...)
torch.manual_seed(200)
clf = Classifier().eval()
tokens = torch.randint(0, 12, (2, 6))
with torch.no_grad():
    logits = clf(tokens)
sd = clf.state_dict()
save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(OUT, 'rnn_classifier.safetensors'))
torch.save(sd, os.path.join(OUT, 'rnn_classifier.pt'))
cases['classifier'] = {'keys': list(sd.keys()), 'tokens': dump(tokens), 'logits': dump(logits)}

with open(os.path.join(OUT, 'rnn_cases.json'), 'w') as f:
    json.dump({'generator': 'scripts/gen_rnn_io_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)
print('wrote', ', '.join(f'rnn_{n}' for n in cases))
