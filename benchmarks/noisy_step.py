"""Cost of a training step with fresh device noise (per-batch resampling) over a clean step, measured in one run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/noisy_step.py [--device cpu]

Floor: the same model as plain torch layers, same batch, same optimiser. Measured: the crossbar version inside
`resampling` (a fresh programming-noise draw in every layer at every forward), for three device presets. Clean and
noisy steps alternate; each side reports its best of `--repeats` runs of `--steps` steps. Per-layer noise costs a fixed
~20 small tensor ops, so the ratio is largest for toy-sized steps and approaches 1 as steps grow."""
import argparse, os, time
os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch, torch.nn.functional as F
from nvcim_nb.core import get_device, set_seed
from nvcim_nb.models import get_model
from nvcim_nb.device import preset
from nvcim_nb.crossbar import convert_to_crossbar, CrossbarConfig
from nvcim_nb.chip import resampling

def train_steps(model, x, y, n, noisy):
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(n):
        if noisy:
            with resampling(model, sigma=0.1): loss = F.cross_entropy(model(x), y)
        else: loss = F.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
    if x.device.type == 'cuda': torch.cuda.synchronize()

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--device', default=None)
    args = ap.parse_args()
    device = get_device(args.device)
    set_seed(0)
    print(f"device {device}, torch threads {torch.get_num_threads()}")
    print(f"{'model':<36}{'preset':<8}{'clean (ms)':>11}{'noisy (ms)':>11}{'ratio':>7}")
    cases = [('LeNet-5, digits-size (bs 32, 16px)', 'lenet', 1, 16, 32, 1.), ('VGG-8 x0.25 (bs 128, 32px)', 'vgg8', 3, 32, 128, 0.25)]
    for label, name, c, size, bs, width in cases:
        x, y = torch.randn(bs, c, size, size, device=device), torch.randint(0, 10, (bs,), device=device)
        for pname in ('SWIM', 'RRAM4', 'FeFET2'):
            plain = get_model(name, c_in=c, n_classes=10, img_size=size, width=width).to(device)
            xm = convert_to_crossbar(plain, CrossbarConfig(device=preset(pname, sigma=0.1)))
            train_steps(plain, x, y, 1, False); train_steps(xm, x, y, 1, True)   # warm up
            tc, tn = [], []
            for _ in range(args.repeats):
                t = time.perf_counter(); train_steps(plain, x, y, args.steps, False); tc.append(time.perf_counter() - t)
                t = time.perf_counter(); train_steps(xm, x, y, args.steps, True); tn.append(time.perf_counter() - t)
            c_ms, n_ms = 1e3 * min(tc) / args.steps, 1e3 * min(tn) / args.steps
            print(f"{label:<36}{pname:<8}{c_ms:>11.1f}{n_ms:>11.1f}{n_ms / c_ms:>7.2f}")

if __name__ == '__main__': main()
