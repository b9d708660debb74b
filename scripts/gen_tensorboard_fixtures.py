# TensorBoard fixtures for test/viz_tensorboard.test.ts, read by the real `tensorboard` package:
#  1. test/fixtures/tensorboard/myelin.tfevents (written by myelin's SummaryWriter: run this after
#     `MYELIN_WRITE_TB_FIXTURE=1 npx vitest run test/viz_tensorboard.test.ts`) -> myelin_read.json,
#     what EventAccumulator and the hparams plugin read from it;
#  2. torch.tfevents, written here by torch.utils.tensorboard -> torch_read.json, what EventAccumulator read.
import glob, io, json, os, shutil, tempfile
import numpy as np
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hp_meta
from tensorboard.compat.proto import event_pb2
from tensorboard.backend.event_processing import event_file_loader

FIX = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'tensorboard')


def accumulate(path):
    ea = EventAccumulator(path, size_guidance={'scalars': 0, 'histograms': 0, 'images': 0, 'tensors': 0})
    ea.Reload()
    tags = ea.Tags()
    out = {'scalars': {}, 'histograms': {}, 'images': {}, 'text': {}}
    for t in tags['scalars']:
        out['scalars'][t] = [{'step': s.step, 'value': s.value, 'wall_time': s.wall_time} for s in ea.Scalars(t)]
    for t in tags['histograms']:
        out['histograms'][t] = [{'step': h.step, 'min': h.histogram_value.min, 'max': h.histogram_value.max, 'num': h.histogram_value.num,
                                 'sum': h.histogram_value.sum, 'sum_squares': h.histogram_value.sum_squares,
                                 'bucket_limit': list(h.histogram_value.bucket_limit), 'bucket': list(h.histogram_value.bucket)} for h in ea.Histograms(t)]
    for t in tags['images']:
        ims = []
        for im in ea.Images(t):
            pix = np.asarray(Image.open(io.BytesIO(im.encoded_image_string)).convert('RGB'))
            ims.append({'step': im.step, 'width': im.width, 'height': im.height, 'pixels': pix.reshape(-1, 3).tolist()})
        out['images'][t] = ims
    for t in tags['tensors']:
        for ev in ea.Tensors(t):
            if ev.tensor_proto.dtype == 7:  # DT_STRING: a text summary
                out['text'][t] = ev.tensor_proto.string_val[0].decode()
    return out, ea


def hparams_of(path):
    res = {'hparams': None, 'metrics': None}
    for ev in event_file_loader.EventFileLoader(path).Load():
        for v in ev.summary.value:
            if v.metadata.plugin_data.plugin_name != hp_meta.PLUGIN_NAME:
                continue
            c = v.metadata.plugin_data.content
            # the plugin's own parsers (they also check the plugin data version)
            if v.tag == hp_meta.EXPERIMENT_TAG:
                res['metrics'] = [m.name.tag for m in hp_meta.parse_experiment_plugin_data(c).metric_infos]
            elif v.tag == hp_meta.SESSION_START_INFO_TAG:
                res['hparams'] = {k: getattr(val, val.WhichOneof('kind')) for k, val in hp_meta.parse_session_start_info_plugin_data(c).hparams.items()}
            elif v.tag == hp_meta.SESSION_END_INFO_TAG:
                res['status'] = hp_meta.parse_session_end_info_plugin_data(c).status
    return res


def main():
    mine = os.path.join(FIX, 'myelin.tfevents')
    d = tempfile.mkdtemp()
    # EventAccumulator recognizes event files by name inside a directory; a single file path works too
    out, ea = accumulate(mine)
    first = next(iter(event_file_loader.EventFileLoader(mine).Load()))
    out['file_version'] = first.file_version
    out['hparams'] = hparams_of(mine)
    vals = np.array([-1.5, -0.25, 0, 0.125, 0.5, 0.5, 1, 2.75, 3])
    counts, edges = np.histogram(vals, bins=4)
    out['numpy_histogram'] = {'counts': counts.astype(float).tolist(), 'edges': edges.tolist()}
    with open(os.path.join(FIX, 'myelin_read.json'), 'w') as f:
        json.dump(out, f)

    import torch
    from torch.utils.tensorboard import SummaryWriter
    w = SummaryWriter(d)
    for step in range(1, 4):
        w.add_scalar('loss', 1.0 / step, step)
    w.add_scalar('acc', 0.9, 3)
    torch.manual_seed(0)
    w.add_histogram('w', torch.randn(50), 1, bins=5)
    w.add_image('img', torch.rand(3, 4, 6), 2)
    w.add_text('note', 'torch *text*', 1)
    w.close()
    src = glob.glob(os.path.join(d, 'events.out.tfevents.*'))[0]
    shutil.copy(src, os.path.join(FIX, 'torch.tfevents'))
    tout, _ = accumulate(os.path.join(FIX, 'torch.tfevents'))
    with open(os.path.join(FIX, 'torch_read.json'), 'w') as f:
        json.dump(tout, f)
    print('wrote', sorted(os.listdir(FIX)))


if __name__ == '__main__':
    main()
