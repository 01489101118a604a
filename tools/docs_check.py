"""Check the built site in a real browser: headless Debian Chromium driven by Playwright (never a downloaded browser).

    python tools/docs_check.py                 # checks _docs/, screenshots in _docs_check/
    python tools/docs_check.py SITE --shots DIR

It serves the site on 127.0.0.1 (an ephemeral port) and opens every page. A page fails on: a request to any other
host; a failed request or an HTTP status >= 400; a console error or page error; an image that did not load; a formula
left as raw TeX, of zero width, or with a MathJax error; a same-site link whose #anchor is not on its target page.
Then it searches the site and takes screenshots of the index, one API page and one tutorial. Prints one line per
page (JSON with its figures) and closes with `N passed, N failed`; exits 1 on a failure."""
import argparse, functools, http.server, json, os, re, shutil, sys, tempfile, threading, time
from pathlib import Path
from urllib.parse import urlparse, urldefrag

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = '/usr/bin/chromium'
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-quic',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-features=Translate,MediaRouter']
SHOTS = {'index.html': 'index', 'chip.html': 'api-chip', 'tutorial.write_verify.html': 'tutorial-write_verify'}

# What the page reports about itself once MathJax is done: images, formulas, raw TeX left in the text, links and ids.
PROBE = r"""async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  const imgs = [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const maths = [...document.querySelectorAll('mjx-container')];
  const zero = maths.filter(m => m.getBoundingClientRect().width === 0 && m.offsetParent !== null).length;
  const errs = document.querySelectorAll('mjx-merror, [data-mjx-error]').length;
  const walker = document.createTreeWalker(document.querySelector('article') || document.body, NodeFilter.SHOW_TEXT);
  let raw = [];
  while (walker.nextNode()) {
    const n = walker.currentNode, p = n.parentElement;
    if (p.closest('pre, code, script, style, mjx-container, .arithmatex mjx-assistive-mml, textarea')) continue;
    const m = n.textContent.match(/\\\(|\\\[|\$\$|\\(frac|sigma|mathrm|sum|sqrt|left|right)\b|(^|[^\\\w])\$[^\s$][^$]*\$/);
    if (m) raw.push(n.textContent.trim().slice(0, 80));
  }
  const arith = document.querySelectorAll('.arithmatex').length;
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(a => a.name));
  return {imgs, n_math: maths.length, n_arith: arith, zero, errs, raw, links, ids};
}"""

def serve(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(site))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv

def check_page(ctx, base, page):
    "Open one page; returns (its report, the same-site links it holds, its ids)."
    problems, external, console = [], [], []
    p = ctx.new_page()
    host = urlparse(base).netloc
    def route(r):  # a request to any other host is recorded and never leaves the machine
        u = urlparse(r.request.url)
        if u.scheme in ('http', 'https', 'ws', 'wss') and u.netloc != host: external.append(r.request.url); r.abort()
        else: r.continue_()
    p.route('**/*', route)
    p.on('requestfailed', lambda r: problems.append(f"request failed: {r.url} ({r.failure})") if urlparse(r.url).netloc == host else None)
    p.on('response', lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    p.on('console', lambda m: console.append(m.text) if m.type == 'error' else None)
    p.on('pageerror', lambda e: console.append(f"page error: {e}"))
    t = time.time()
    p.goto(base + page, wait_until='load')
    info = p.evaluate(PROBE)
    p.wait_for_timeout(100)
    bad_imgs = [i['src'] for i in info['imgs'] if not i['ok']]
    problems += [f"external request: {u}" for u in external] + [f"console: {c}" for c in console]
    problems += [f"image not loaded: {s}" for s in bad_imgs]
    if info['n_math'] < info['n_arith']: problems.append(f"only {info['n_math']} of {info['n_arith']} formulas typeset")
    if info['zero']: problems.append(f"{info['zero']} formulas of zero width")
    if info['errs']: problems.append(f"{info['errs']} MathJax errors")
    problems += [f"raw TeX: {r!r}" for r in info['raw'][:5]]
    rep = dict(page=page, ok=not problems, seconds=round(time.time() - t, 2), images=len(info['imgs']), formulas=info['n_math'],
               links=len(info['links']), problems=problems)
    return rep, p, info

def search(p, word):
    "Type `word` into the search box; the number of results the site shows."
    box = p.locator('input.md-search__input')
    box.click(); box.press_sequentially(word, delay=50)
    p.wait_for_selector('.md-search-result__item', timeout=10000)
    return p.locator('.md-search-result__item').count()

FAULTS = {  # page -> (what is broken, how, the problem the check must report)
    'index.html': ('an external script', lambda h: h.replace('</head>', '<script src="https://cdn.example.org/x.js"></script></head>'), 'external request'),
    'glossary.html': ('MathJax missing', lambda h: re.sub(r'<script src="[^"]*tex-chtml-full.js"></script>', '', h), 'raw TeX'),
    'core.html': ('a broken anchor and a console error', lambda h: h.replace('</article>', '<a href="index.html#no-such-anchor">x</a><script>console.error("boom")</script></article>'), 'broken anchor'),
}

def self_test(site, chromium):
    "Break a copy of the site in known ways (plus one deleted image) and check that every fault is reported."
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp)/'site'; shutil.copytree(site, bad)
        for page, (_, f, _) in FAULTS.items(): (bad/page).write_text(f((bad/page).read_text()))
        fig = next((bad/'figs').glob('*.png')); fig.unlink()
        reports, _ = check_site(bad, chromium, pages=list(FAULTS) + [p for p in sorted(x.name for x in bad.glob('*.html')) if fig.name in (bad/p).read_text()][:1], shots=None)
    caught = {page: any(want in pr for pr in reports[page]['problems']) for page, (_, _, want) in FAULTS.items()}
    img = [r for r in reports.values() if any('image not loaded' in pr for pr in r['problems'])]
    caught['deleted image'] = bool(img); caught['console error'] = any('console: boom' in pr for pr in reports['core.html']['problems'])
    return caught

def check_site(site, chromium, pages=None, shots=None):
    "Open every page (or `pages`) of the site in Chromium; ({page: report}, totals)."
    from playwright.sync_api import sync_playwright
    pages = pages or sorted(str(p.relative_to(site)) for p in site.glob('*.html') if p.name != '404.html')
    srv = serve(site); base = f"http://127.0.0.1:{srv.server_address[1]}/"
    reports, ids, links = {}, {}, {}
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True, args=FLAGS,
                                                    viewport={'width': 1280, 'height': 900})
        for page in pages:
            rep, p, info = check_page(ctx, base, page)
            reports[page], ids[page] = rep, set(info['ids'])
            links[page] = [l for l in info['links'] if l.startswith(base)]
            if shots and page in SHOTS: p.wait_for_timeout(400); p.screenshot(path=str(shots/f"{SHOTS[page]}.png"))
            if page == 'index.html' and shots:
                try: rep['search_crossbar'] = search(p, 'crossbar')
                except Exception as e: rep['problems'].append(f"search failed: {str(e)[:200]}")
                else:
                    if not rep['search_crossbar']: rep['problems'].append('search for "crossbar" found nothing')
                p.wait_for_timeout(400); p.screenshot(path=str(shots/'search.png'))
            p.close()
        ctx.close()
    srv.shutdown()
    n_anchors = 0
    for page, ls in links.items():  # every same-site link goes to a page of the site, and its #anchor is an id there
        for l in ls:
            url, frag = urldefrag(l)
            target = urlparse(url).path.lstrip('/') or 'index.html'
            if not (site/target).exists(): reports[page]['problems'].append(f"broken link: {l}")
            elif frag and target.endswith('.html'):
                if target not in ids: continue  # a page not opened in this run (the self-test)
                n_anchors += 1
                if frag not in ids[target]: reports[page]['problems'].append(f"broken anchor: {target}#{frag}")
    for r in reports.values(): r['ok'] = not r['problems']; r['problems'] = r['problems'][:20]
    return reports, n_anchors

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('site', nargs='?', default=str(ROOT/'_docs'))
    ap.add_argument('--shots', default=str(ROOT/'_docs_check'), help='folder for the screenshots (not committed)')
    ap.add_argument('--chromium', default=CHROMIUM)
    ap.add_argument('--no-self-test', action='store_true', help='skip checking that the check catches known faults')
    a = ap.parse_args()
    site, shots = Path(a.site), Path(a.shots)
    if not (site/'index.html').exists(): sys.exit(f"no site at {site}: build it with python tools/docs.py")
    if not Path(a.chromium).exists(): sys.exit(f"no Chromium at {a.chromium}: apt-get install chromium (Debian's package)")
    shutil.rmtree(shots, ignore_errors=True); shots.mkdir(parents=True)
    t0 = time.time()
    reports, n_anchors = check_site(site, a.chromium, shots=shots)
    passed = failed = 0
    for r in reports.values():
        print(json.dumps(r), flush=True)
        passed, failed = passed + r['ok'], failed + (not r['ok'])
    tot = lambda k: sum(r[k] for r in reports.values())
    print(f"browser: {len(reports)} pages in {time.time()-t0:.0f}s: {tot('images')} images, {tot('formulas')} formulas, "
          f"{tot('links')} links, {n_anchors} same-site anchors checked, search 'crossbar': "
          f"{reports.get('index.html', {}).get('search_crossbar')} results; screenshots in {shots}", flush=True)
    if not a.no_self_test:
        caught = self_test(site, a.chromium)
        ok = all(caught.values())
        print(json.dumps({'page': 'self-test: the check catches injected faults', 'ok': ok, 'caught': caught}), flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
