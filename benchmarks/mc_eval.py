"""Cost of Monte Carlo evaluation over its floor, and device-sampler throughput, measured in one run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mc_eval.py [--n-chips 100] [--device cpu]

Floor: n_chips clean forwards of the plain torch model over the same test batches (what any evaluation of n chips must
at least do). Measured: `mc_evaluate` end to end (conversion, data transfer, one clean pass, n_chips noisy chips).
Target ratio <= 1.3. Floor and Monte Carlo runs alternate, and each side reports its best of `--repeats`, so background
load inflates neither side much."""
import argparse, os, time
os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch
from torch import nn
from nvcim_nb.core import get_device, set_seed
from nvcim_nb.data import get_dls
from nvcim_nb.models import get_model
from nvcim_nb.device import DeviceConfig, preset, sample_noise, sample_devices
from nvcim_nb.evaluate import mc_evaluate, _as_batches

def small_cnn(c_in=1, n_classes=10, size=16):
    "The 2-conv-layer CNN the peers were measured with."
    return nn.Sequential(nn.Conv2d(c_in, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * (size // 4) ** 2, n_classes))

def best_of(f, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)

def interleaved(f, g, repeats):
    "Best-of-`repeats` times of `f` and `g`, measured alternately so that load drift hits both alike."
    tf, tg = [], []
    for _ in range(repeats):
        tf.append(best_of(f, 1)); tg.append(best_of(g, 1))
    return min(tf), min(tg)

def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-chips', type=int, default=100)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--device', default=None)
    args = ap.parse_args()
    device = get_device(args.device)
    set_seed(0)
    dls = get_dls('digits', size=16, seed=0, device=device)
    print(f"device {device}, torch threads {torch.get_num_threads()}, test set {len(dls.test.dataset)} images, {args.n_chips} chips")
    print(f"{'model':<12}{'preset':<8}{'floor (s)':>10}{'MC (s)':>10}{'ratio':>8}")
    for name, model in [('LeNet-5', get_model('lenet', c_in=1, n_classes=10, img_size=16)), ('small CNN', small_cnn())]:
        model = model.to(device).eval()
        batches = _as_batches(dls.test, 1024, device)
        @torch.no_grad()
        def floor():
            for _ in range(args.n_chips):
                for x, _ in batches: model(x)
            sync(device)
        for pname in ('SWIM', 'RRAM4'):
            dev = preset(pname, sigma=0.1)
            run = lambda: (mc_evaluate(model, dls.test, n_chips=args.n_chips, dev=dev, progress=False), sync(device))
            floor(); run()                                   # warm up both
            t_floor, t_mc = interleaved(floor, run, args.repeats)
            print(f"{name:<12}{pname:<8}{t_floor:>10.3f}{t_mc:>10.3f}{t_mc / t_floor:>8.2f}")

    print("\nsampler throughput: one chip's programming deviations of 1.25e6 weights (1e7 one-bit devices; 5e6 two-bit)")
    print("  per-weight paths draw one variable per weight (exact for Gaussian noise); the device path draws every device")
    n_w = 1_250_000
    for label, k, f in [
        ('per weight, SWIM (uniform)', 8, lambda w, g: sample_noise(w, DeviceConfig(sigma=0.1), generator=g)),
        ('per weight, RRAM4 (state-dependent; 2-bit devices)', 4, lambda w, g: sample_noise(w, preset('RRAM4', sigma=0.1), generator=g)),
        ('per weight + stuck-at faults, p=1% (sparse: only the stuck devices)', 8, lambda w, g: sample_noise(w, DeviceConfig(sigma=0.1, p_stuck_on=0.01), generator=g)),
        ('device by device, SWIM', 8, lambda w, g: sample_devices(w, DeviceConfig(sigma=0.1), generator=g)),
    ]:
        w = torch.randn(n_w, device=device)
        g = torch.Generator(device=device).manual_seed(0)
        f(w, g); sync(device)
        t = best_of(lambda: (f(w, g), sync(device)), args.repeats)
        print(f"  {label:<64} {n_w / t / 1e6:7.1f} M weights/s  {k * n_w / t / 1e6:7.1f} M devices/s  ({t * 1e3:.0f} ms)")

if __name__ == '__main__': main()
