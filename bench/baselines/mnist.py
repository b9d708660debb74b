"""PyTorch twin of bench/mnist.js: the same MLP recipe on the same IDX files (the loop is
mnist_torch.fit_epochs). Prints {name: {torch: epochs_per_s, torchAcc: final test accuracy}}."""
import json, os, sys
import torch
from mnist_torch import fit_epochs

torch.set_num_threads(2)
EPOCHS = int(os.environ.get("MNIST_EPOCHS", 10))
torch.manual_seed(0)
nn = torch.nn
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
json.dump({f"mnist mlp epoch ({EPOCHS} epochs)": fit_epochs(model, EPOCHS)}, sys.stdout)
