"""PyTorch twins of bench/cnn.js (CPU, 2 threads, torch's default oneDNN convolutions).
ResNet-18 is torchvision's layout written out here (the mirror's torchvision does not load
with this torch); its 11,689,512 parameters are checked on import.
Prints {name: {torch: ops_per_s}} (and torchAcc for the MNIST CNN epoch)."""
import json, os, sys
import torch
from timing import rate
from mnist_torch import fit_epochs

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
EPOCHS = int(os.environ.get("MNIST_CNN_EPOCHS", 1))
nn, F = torch.nn, torch.nn.functional
out = {}


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


def resnet18(num_classes=1000):
    layers, cin = [], 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1), *layers,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes))


assert sum(p.numel() for p in resnet18().parameters()) == 11689512


def conv_case(n, c, h, w, oc):
    torch.manual_seed(0)
    x = torch.randn(n, c, h, w, requires_grad=True)
    wt = (torch.randn(oc, c, 3, 3) * 0.1).requires_grad_()
    b = torch.zeros(oc, requires_grad=True)

    def fn():
        F.conv2d(x, wt, b, padding=1).sum().backward()
        x.grad = wt.grad = b.grad = None
    return fn


def resnet_forward():
    net = resnet18().eval()
    x = torch.randn(8, 3, 224, 224)

    def fn():
        with torch.no_grad():
            net(x)
    return fn


def resnet_step():
    net = resnet18(num_classes=10)
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    def fn():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    return fn


def mnist_cnn():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    return fit_epochs(model, EPOCHS)

cases = [
    ("conv2d 1->32 3x3 p1 fwd+bwd [64,1,28,28]", lambda: conv_case(64, 1, 28, 28, 32)),
    ("conv2d 32->64 3x3 p1 fwd+bwd [64,32,14,14]", lambda: conv_case(64, 32, 14, 14, 64)),
    ("resnet18 forward [8,3,224,224] eval", resnet_forward),
    ("resnet18 train step [64,3,32,32] sgd", resnet_step),
]
for name, make in cases:
    if not only or any(o in name for o in only):
        out[name] = {"torch": rate(make())}
name = f"mnist cnn epoch ({EPOCHS} epochs)"
if not only or any(o in name for o in only):
    out[name] = mnist_cnn()
json.dump(out, sys.stdout)
