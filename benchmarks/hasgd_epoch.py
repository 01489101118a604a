"""Epoch time of HA-SGD (`HASGDCallback`) with K noise samples per step over a clean epoch, measured in one run (ratios, not timings).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/hasgd_epoch.py [--device cpu] [--repeats 5] [--K 1 2 4]

Same data (digits at 16x16, bs 32, the training split) and the same model for every row: LeNet-5 and a VGG-shaped CNN
(VGG-8 at width 0.25: six 3x3 convolutions with BatchNorm, 16..128 channels), on an ideal crossbar with a uniform device,
range-relative noise (sigma 0.3, UCLA's 'range' convention). The floor is a clean epoch of the plain torch model. Measured:
`HASGDCallback(K=k)` for each k (k forwards and one backward through all k per step), and K=1 with the explicit GGN penalty
(one probe; not for VGG-8, whose BatchNorm has no third derivative, which the penalty's gradient needs). Target: HA-SGD with K samples <= 1.1*K x the clean epoch. Each line gives the ratio of a fastai epoch as `fit`
runs it (training and validation) and of the training phase alone (validation cancelled), and for each K the ratio over K.
Runs alternate; each reports its best of `--repeats`."""
import argparse, os, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore', message='.*torch.jit.script.*')
import torch
from fastai.callback.core import Callback, CancelValidException
from nvcim_nb.core import get_device, set_seed
from nvcim_nb.data import get_dls
from nvcim_nb.learner import cim_learner
from nvcim_nb.crossbar import convert_to_crossbar, CrossbarConfig
from nvcim_nb.callback.hasgd import HASGDCallback

MODELS = {'LeNet-5': ('lenet', 1.), 'VGG-8 x0.25': ('vgg8', 0.25)}

class NoValidation(Callback):
    def before_validate(self): raise CancelValidException()

def learner(dls, name, width, cb):
    set_seed(0)
    learn = cim_learner(dls, name, width=width, seed=0, cbs=cb)
    if cb is not None: convert_to_crossbar(learn.model, CrossbarConfig(), inplace=True)
    return learn

def epoch(learn, train_only):
    "Seconds of one `fit(1)` epoch (the learner's callbacks included)."
    cbs = [NoValidation()] if train_only else []
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=cbs)
    if learn.dls.device.type == 'cuda': torch.cuda.synchronize()
    return time.perf_counter() - t

def bench(dls, name, width, Ks, repeats, train_only, penalty=True):
    "Best-of-`repeats` epoch seconds: the clean floor and every K (and the penalty), in alternation."
    runs = {'clean': learner(dls, name, width, None)}
    runs.update({f'K={k}': learner(dls, name, width, HASGDCallback(sigma=0.3, K=k, seed=0)) for k in Ks})
    if penalty: runs['K=1 + GGN penalty'] = learner(dls, name, width, HASGDCallback(sigma=0.3, K=1, penalty=1., seed=0))
    for l in runs.values(): epoch(l, train_only)   # warm-up: caches, allocator
    best = {m: float('inf') for m in runs}
    for _ in range(repeats):
        for m, l in runs.items(): best[m] = min(best[m], epoch(l, train_only))
    return best

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default=None); p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--K', type=int, nargs='+', default=[1, 2, 4])
    a = p.parse_args()
    device = get_device(a.device)
    dls = get_dls('digits', size=16, bs=32, seed=0, device=device)
    print(f"device {device}, torch threads {torch.get_num_threads()}, {len(dls.train.dataset)} training images, bs 32, "
          f"best of {a.repeats}; ratios over a clean epoch of the plain torch model (target: K=k <= 1.1*k)")
    for mname, (name, width) in MODELS.items():
        for train_only in (False, True):
            best = bench(dls, name, width, a.K, a.repeats, train_only, penalty=name != 'vgg8')
            what = 'training phase' if train_only else 'epoch (train + valid)'
            ratios = '  '.join(f"K={k} {best[f'K={k}'] / best['clean']:.2f} ({best[f'K={k}'] / best['clean'] / k:.2f}/K)" for k in a.K)
            pen = f"{best['K=1 + GGN penalty'] / best['clean']:.2f}" if 'K=1 + GGN penalty' in best else 'n/a (BatchNorm)'
            print(f"{mname:12s} {what:22s} clean {best['clean']*1e3:7.1f} ms   {ratios}   K=1+penalty {pen}", flush=True)

if __name__ == '__main__': main()
