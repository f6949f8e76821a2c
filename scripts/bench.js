#!/usr/bin/env node
// `npm run bench`: Samsara's addon against node-llama-cpp (llama.cpp) on the same GGUF files, thread
// counts and ~500-token prompt, in one run. Every measurement is a fresh child process (load time and
// peak RSS are its own); the two engines alternate, and each figure is the median of --reps runs.
// Before each run the bench waits for an idle machine; a run during which other processes used more
// than 10 % of a core is marked contended. The workload is the product's: the essay-feedback request in
// each model's chat template (~520 tokens), 128 tokens decoded; each model and thread count is also
// measured at depth (128 tokens decoded after a 2,048-token prompt) and on assessEssay end to end.
//
//   npm run bench [-- --models smollm2,qwen2,gemma3] [--threads 1,2] [--reps 3] [--no-llama] [--no-contention]
//                   [--no-depth] [--only engine|feedback] [--baseline-ref <git ref>] [--quick] [--help]
//
// --quick: the default model, 1 thread, 1 run each, no contention runs, engine only (~2 min; CI on
// the runners we can't measure here, such as arm64).
//
// node-llama-cpp is the bench's own dependency, pinned in scripts/bench/package.json and its committed
// package-lock.json; the first run installs it into scripts/bench/node_modules (prebuilt CPU binaries, no
// download or build of llama.cpp).
//
// The feedback part: checkText on a 1,000-word essay (first check, and each check while typing) against
// Harper alone on the same text and edits (native/examples/harper_default.rs --bench); and assessEssay
// on the example essay, this build against the addon built from --baseline-ref (default: the last build
// before the checker work), alternating, fresh processes.
//
// Prints tables and writes artifacts/bench/latest.json (and a dated copy).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CHECK_EDITS, CHECK_WARMUP, DECODE_TOKENS, DEPTH_TOKENS, MODELS, ROOT, checkEssay, median, quantile } = require('./bench/common');
/** The bench's own npm package (node-llama-cpp). */
const BENCH_PKG = path.join(__dirname, 'bench');

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  const head = fs.readFileSync(__filename, 'utf8').split('\n').slice(1).filter((l) => l.startsWith('//'));
  console.log(head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  console.log(`models: ${Object.entries(MODELS).map(([id, m]) => `${id} (${path.relative(ROOT, m.file)}${fs.existsSync(m.file) ? '' : ', absent'})`).join(', ')}`);
  console.log(`node-llama-cpp: ${llamaInstalled() ? 'installed' : 'not installed yet'} in ${path.relative(ROOT, BENCH_PKG)}/node_modules`);
  process.exit(0);
}
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const modelIds = opt('models', quick ? 'smollm2' : Object.keys(MODELS).join(',')).split(',');
const threadCounts = opt('threads', quick ? '1' : '1,2').split(',').map(Number);
const reps = Math.max(1, Number(opt('reps', quick ? '1' : '3')));
const withLlama = !args.includes('--no-llama');
const withContention = !quick && !args.includes('--no-contention');
const withDepth = !args.includes('--no-depth');
const only = opt('only', quick ? 'engine' : null);
/** The last landed build before the checker (Harper) work: the assessment-latency baseline. */
const baselineRef = opt('baseline-ref', '7b7b76c');
function llamaInstalled() {
  return fs.existsSync(path.join(BENCH_PKG, 'node_modules', 'node-llama-cpp', 'package.json'));
}

function ensureLlama() {
  if (llamaInstalled()) return;
  console.log('bench: installing node-llama-cpp (pinned in scripts/bench/package-lock.json; prebuilt, CPU only)…');
  // `npm install` with the committed lock installs exactly its versions. Not `npm ci`: it insists that
  // every optional platform package (macOS, Windows prebuilt binaries) is in the lock, and the lock
  // written here holds only the ones the registry mirror serves.
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: BENCH_PKG,
    stdio: 'inherit',
    env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
  });
  if (r.status !== 0) throw new Error('could not install node-llama-cpp in scripts/bench');
}

/** CPU time (ms) used by all processes since boot, and wall ticks: from /proc/stat. */
function cpuTimes() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] || 0);
  const total = v.reduce((a, b) => a + b, 0);
  const tick = 1000 / 100; // USER_HZ
  return { busyMs: (total - idle) * tick, totalMs: total * tick };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 2 min) until the machine is idle: < 10 % of one core busy over a second. */
async function waitForIdle() {
  if (!fs.existsSync('/proc/stat')) return true;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const a = cpuTimes();
    await sleep(1000);
    const b = cpuTimes();
    if (b.busyMs - a.busyMs < 100) return true;
    if (Date.now() > deadline) return false;
  }
}

/** Runs one child; resolves to its result plus how much CPU other processes used meanwhile. */
function runChild(cmd, childArgs, env = {}) {
  return new Promise((resolve) => {
    const before = fs.existsSync('/proc/stat') ? cpuTimes() : null;
    const started = Date.now();
    const child = spawn(process.execPath, [cmd, ...childArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || !line) {
        resolve({ error: `exit ${code}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}` });
        return;
      }
      const result = JSON.parse(line.slice('@@RESULT '.length));
      if (before && result.contended === undefined) {
        // A child that does not measure its own window: everything busy meanwhile minus its CPU.
        const after = cpuTimes();
        result.otherCpuMs = Math.max(0, after.busyMs - before.busyMs - result.cpuMs);
        result.contended = result.otherCpuMs > 0.1 * wallMs;
      }
      resolve(result);
    });
  });
}

const OURS = path.join(__dirname, 'bench', 'ours.js');
const LLAMA = path.join(__dirname, 'bench', 'llama.js');
const SPEED_KEYS = ['loadMs', 'ttftMs', 'prefillTps', 'decodeTps', 'peakRssMb', 'promptTokens'];

function summarize(runs, keys) {
  const ok = runs.filter((r) => !r.error);
  const out = { runs: runs.length, failed: runs.length - ok.length, contended: ok.filter((r) => r.contended).length };
  for (const k of keys) out[k] = median(ok.map((r) => r[k]));
  if (runs.some((r) => r.error)) out.errors = runs.filter((r) => r.error).map((r) => r.error);
  return out;
}

const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

async function main() {
  if (withLlama && only !== 'feedback') ensureLlama();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const results = { date: new Date().toISOString(), cpu, cores: os.cpus().length, reps, node: process.version, models: [] };
  console.log(`bench: ${cpu}, ${os.cpus().length} cores, ${reps} reps, threads ${threadCounts.join('/')}`);

  if (only !== 'feedback') {
    results.limits = machineLimits();
    await engineBench(results);
  }
  if (only !== 'engine') await feedbackBench(results);

  printTables(results);
  const dir = path.join(ROOT, 'artifacts', 'bench');
  fs.mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(results, null, 2);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  fs.writeFileSync(path.join(dir, `bench-${results.date.replace(/[:.]/g, '-')}.json`), json);
  console.log(`\nbench: wrote artifacts/bench/latest.json`);
}

/** The addon of `ref` with its own JS wrapper (native/index.js of that commit, which loads the
 * index.node beside it), built once into artifacts/bench/baseline-<ref>/ (a git worktree, its own target).
 * Returns the folder, for ours.js's $SAMSARA_BENCH_NATIVE_DIR. */
function ensureBaseline(ref) {
  const dir = path.join(ROOT, 'artifacts', 'bench', `baseline-${ref}`);
  const node = path.join(dir, 'index.node');
  const wrapper = path.join(dir, 'index.js');
  if (!fs.existsSync(wrapper) && fs.existsSync(node)) {
    const js = spawnSync('git', ['show', `${ref}:native/index.js`], { cwd: ROOT, encoding: 'utf8' });
    if (js.status !== 0) throw new Error(`git show ${ref}:native/index.js failed`);
    fs.writeFileSync(wrapper, js.stdout);
  }
  if (fs.existsSync(node)) return dir;
  console.log(`bench: building the baseline addon at ${ref} (a cold release build, ~6 min)…`);
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(dir, 'src');
  const git = (...a) => spawnSync('git', a, { cwd: ROOT, stdio: 'inherit' });
  if (!fs.existsSync(src) && git('worktree', 'add', '--detach', src, ref).status !== 0) throw new Error(`git worktree add ${ref} failed`);
  const target = path.join(dir, 'target');
  const built = spawnSync('cargo', ['build', '--release', '-p', 'samsara-native'], { cwd: src, stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: target } });
  if (built.status !== 0) throw new Error('the baseline build failed');
  const lib = { win32: 'samsara_native.dll', darwin: 'libsamsara_native.dylib' }[process.platform] ?? 'libsamsara_native.so';
  fs.copyFileSync(path.join(target, 'release', lib), node);
  fs.copyFileSync(path.join(src, 'native', 'index.js'), wrapper);
  git('worktree', 'remove', '--force', src);
  return dir;
}

/** Harper alone on the checker bench's essay and edits. */
function harperCheck(essayFile, warmFile) {
  const bin = path.join(ROOT, 'target', 'release', 'examples', process.platform === 'win32' ? 'harper_default.exe' : 'harper_default');
  if (!fs.existsSync(bin) && spawnSync('cargo', ['build', '--release', '--example', 'harper_default'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) {
    return { error: 'could not build the harper_default example' };
  }
  const r = spawnSync(bin, ['--bench', warmFile, essayFile, String(CHECK_EDITS)], { encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr.trim() };
  const { firstMs, editMs } = JSON.parse(r.stdout);
  return { firstMs, editMedianMs: median(editMs), editP95Ms: quantile(editMs, 0.95) };
}

async function feedbackBench(results) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bench-'));
  const essayFile = path.join(tmp, 'essay-1000.txt');
  const warmFile = path.join(tmp, 'warmup.txt');
  fs.writeFileSync(essayFile, checkEssay());
  fs.writeFileSync(warmFile, CHECK_WARMUP);
  const runs = { ours: [], harper: [] };
  for (let rep = 0; rep < reps; rep++) {
    await waitForIdle();
    const ours = await runChild(OURS, [MODELS.smollm2.file, '1', 'check']);
    runs.ours.push(ours);
    await waitForIdle();
    const harper = harperCheck(essayFile, warmFile);
    runs.harper.push(harper);
    console.log(`  checkText #${rep + 1}: first ${fmt(ours.firstMs, 1)} ms, while typing median ${fmt(ours.editMedianMs, 1)} ms (Harper alone: ${fmt(harper.firstMs, 1)} / ${fmt(harper.editMedianMs, 1)} ms)${ours.contended ? ' (contended)' : ''}`);
  }
  const keys = ['firstMs', 'editMedianMs', 'editP95Ms'];
  results.check = { words: runs.ours.find((r) => r.words)?.words, edits: CHECK_EDITS, ours: summarize(runs.ours, keys), harper: summarize(runs.harper, keys), runs };

  const baseline = ensureBaseline(baselineRef);
  const assess = { ours: [], baseline: [] };
  const assessReps = Math.max(5, reps);
  for (let rep = 0; rep < assessReps; rep++) {
    for (const which of rep % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours']) {
      await waitForIdle();
      const env = which === 'baseline' ? { SAMSARA_BENCH_NATIVE_DIR: baseline } : {};
      const r = await runChild(OURS, [MODELS.smollm2.file, '1', 'assess'], env);
      assess[which].push(r);
      console.log(`  assessEssay ${which} #${rep + 1}: ${fmt(r.assessMs)} ms, ${r.comments ?? '?'} comments${r.contended ? ' (contended)' : ''}${r.error ? ` ERROR ${r.error}` : ''}`);
    }
  }
  results.assess = { baselineRef, ours: summarize(assess.ours, ['assessMs', 'comments']), baseline: summarize(assess.baseline, ['assessMs', 'comments']), runs: assess };
}

/**
 * The assessment end to end (assessEssay on the example essay: checker, constrained comments, summary),
 * wall time and the tokens the model ran. llama.cpp cannot run our assessment; its reference is the
 * time its measured essay-workload rates (same run, same threads) need for the same prompt and
 * generated tokens.
 */
async function assessBench(id, model, threads, llama) {
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    await waitForIdle();
    const r = await runChild(OURS, [model.file, String(threads), 'assess']);
    runs.push(r);
    const label = `${id} t${threads} assessEssay #${rep + 1}`;
    console.log(r.error ? `  ${label}: ERROR ${r.error}` : `  ${label}: ${fmt(r.assessMs)} ms, ${r.promptTokens} prompt + ${r.generatedTokens} generated tokens, ${r.comments} comments${r.contended ? ' (contended)' : ''}`);
  }
  const ours = summarize(runs, ['assessMs', 'promptTokens', 'generatedTokens', 'comments']);
  const llamaMs = llama ? (1000 * ours.promptTokens) / llama.prefillTps + (1000 * ours.generatedTokens) / llama.decodeTps : NaN;
  return { ours, llamaRatesMs: llamaMs, ratio: ratio(llamaMs, ours.assessMs), runs };
}

/** Decode at depth: DECODE_TOKENS after a DEPTH_TOKENS prompt, both engines alternating, fresh processes. */
async function depthBench(id, model, threads) {
  const runs = { ours: [], llama: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const engine of rep % 2 === 0 ? ['ours', 'llama'] : ['llama', 'ours']) {
      if (engine === 'llama' && !withLlama) continue;
      const idle = await waitForIdle();
      const r = await runChild(engine === 'ours' ? OURS : LLAMA, [model.file, String(threads), 'depth']);
      if (!idle) r.contended = true;
      runs[engine].push(r);
      const label = `${id} t${threads} ${engine} depth #${rep + 1}`;
      console.log(r.error ? `  ${label}: ERROR ${r.error}` : `  ${label}: ${r.promptTokens} prompt tokens, prefill ${fmt(r.prefillTps)} tok/s, decode ${fmt(r.decodeTps, 1)} tok/s, RSS ${fmt(r.peakRssMb)} MB${r.contended ? ' (contended)' : ''}`);
    }
  }
  const keys = [...SPEED_KEYS, 'promptTokens'];
  const ours = summarize(runs.ours, keys);
  const llama = withLlama ? summarize(runs.llama, keys) : null;
  const ratios = llama && { prefill: ratio(ours.prefillTps, llama.prefillTps), decode: ratio(ours.decodeTps, llama.decodeTps), peakRss: ratio(ours.peakRssMb, llama.peakRssMb) };
  return { ours, llama, ratio: ratios, runs };
}

/**
 * This machine's single-core limits and each model's cost per token (native/examples/machine_limits.rs):
 * read bandwidth (GB/s), int8 multiply-add peak (GMAC/s), weight bytes read per decoded token and
 * multiply-adds per token. The "distance to the limit" table divides the engines' speeds by them.
 */
function machineLimits() {
  const files = modelIds.map((id) => MODELS[id]?.file).filter((f) => f && fs.existsSync(f));
  const r = spawnSync('cargo', ['run', '--quiet', '--release', '--example', 'machine_limits', '--', ...files], { cwd: path.join(ROOT, 'native'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    console.log('bench: machine_limits failed; no distance-to-the-limit table');
    return null;
  }
  const limits = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`bench: one core reads ${limits.bandwidthGBs} GB/s and multiplies ${limits.int8GMACs} G int8 pairs/s (${limits.int8Instruction})`);
  return limits;
}

/** KV-cache bytes a decoded token reads on average over the DECODE_TOKENS after `promptTokens`
 * (every position on full layers, at most the window on sliding ones). */
function kvBytesPerToken(m, promptTokens) {
  const at = promptTokens + (DECODE_TOKENS - 1) / 2;
  const perLayer = m.kvBytesPerPosition / m.layers;
  const sliding = m.slidingWindow ? m.slidingLayers : 0;
  return perLayer * ((m.layers - sliding) * at + sliding * Math.min(at, m.slidingWindow ?? at));
}

/** Decode as a fraction of the read bandwidth (the weights, and the weights with the KV cache they
 * attend over), prefill as a fraction of the int8 peak (1 thread). */
function limitShares(limits, file, s) {
  const m = limits?.models.find((x) => x.file === path.basename(file));
  if (!m || !s) return null;
  const kv = kvBytesPerToken(m, s.promptTokens);
  return {
    decode: (m.decodeBytesPerToken * s.decodeTps) / (limits.bandwidthGBs * 1e9),
    decodeWithKv: ((m.decodeBytesPerToken + kv) * s.decodeTps) / (limits.bandwidthGBs * 1e9),
    kvBytesPerToken: kv,
    prefill: (m.macsPerToken * s.prefillTps) / (limits.int8GMACs * 1e9),
  };
}

async function engineBench(results) {
  for (const id of modelIds) {
    const model = MODELS[id];
    if (!model) throw new Error(`unknown model ${id} (known: ${Object.keys(MODELS).join(', ')})`);
    if (!fs.existsSync(model.file)) {
      console.log(`bench: ${path.basename(model.file)} is absent, skipped (npm run fetch-models:extra)`);
      continue;
    }
    for (const threads of threadCounts) {
      const runs = { ours: [], llama: [] };
      for (let rep = 0; rep < reps; rep++) {
        const order = rep % 2 === 0 ? ['ours', 'llama'] : ['llama', 'ours'];
        for (const engine of order) {
          if (engine === 'llama' && !withLlama) continue;
          const idle = await waitForIdle();
          const r = await runChild(engine === 'ours' ? OURS : LLAMA, [model.file, String(threads), 'speed']);
          if (!idle) r.contended = true;
          runs[engine].push(r);
          const label = `${id} t${threads} ${engine} #${rep + 1}`;
          console.log(r.error ? `  ${label}: ERROR ${r.error}` : `  ${label}: prefill ${fmt(r.prefillTps)} tok/s, decode ${fmt(r.decodeTps, 1)} tok/s, load ${fmt(r.loadMs)} ms, RSS ${fmt(r.peakRssMb)} MB${r.contended ? ' (contended)' : ''}`);
        }
      }
      const ours = summarize(runs.ours, SPEED_KEYS);
      const llama = withLlama ? summarize(runs.llama, SPEED_KEYS) : null;
      const entry = { id, label: model.label, threads, ours, llama, runs };
      if (threads === 1 && results.limits) entry.limits = { ours: limitShares(results.limits, model.file, ours), llama: limitShares(results.limits, model.file, llama) };
      if (withDepth) entry.depth = await depthBench(id, model, threads);
      if (llama) {
        entry.ratio = {
          prefill: ratio(ours.prefillTps, llama.prefillTps),
          decode: ratio(ours.decodeTps, llama.decodeTps),
          ttft: ratio(ours.ttftMs, llama.ttftMs),
          peakRss: ratio(ours.peakRssMb, llama.peakRssMb),
          load: ratio(ours.loadMs, llama.loadMs),
        };
        entry.llamaSystemInfo = runs.llama.find((r) => r.systemInfo)?.systemInfo;
      }
      // Our latency figures (healthCheck, cancel, second chat turn), at this thread count.
      const extras = [];
      for (let rep = 0; rep < reps; rep++) {
        await waitForIdle();
        extras.push(await runChild(OURS, [model.file, String(threads), 'extras']));
      }
      entry.extras = summarize(extras, ['healthP99Ms', 'healthMaxMs', 'cancelPrefillMs', 'cancelDecodeMs', 'chatTtftFirstMs', 'chatTtftSecondMs', 'chatSecondRatio']);
      entry.assess = await assessBench(id, model, threads, llama);
      results.models.push(entry);
    }
  }

  // Contention: the default model while another process keeps one core busy (a UI, a browser tab).
  // Busy-waiting thread pools collapse here (the notes measured 56 -> 3.6 tok/s at 2 threads).
  if (withContention && fs.existsSync(MODELS.smollm2.file)) {
    results.contention = [];
    for (const threads of [1, 2]) {
      const runs = { ours: [], llama: [] };
      for (let rep = 0; rep < reps; rep++) {
        for (const engine of rep % 2 === 0 ? ['ours', 'llama'] : ['llama', 'ours']) {
          if (engine === 'llama' && !withLlama) continue;
          await waitForIdle();
          const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
          await sleep(300);
          const r = await runChild(engine === 'ours' ? OURS : LLAMA, [MODELS.smollm2.file, String(threads), 'speed']);
          busy.kill('SIGKILL');
          runs[engine].push(r);
          console.log(r.error ? `  contended t${threads} ${engine}: ERROR ${r.error}` : `  contended t${threads} ${engine} #${rep + 1}: prefill ${fmt(r.prefillTps)} tok/s, decode ${fmt(r.decodeTps, 1)} tok/s`);
        }
      }
      results.contention.push({ threads, ours: summarize(runs.ours, SPEED_KEYS), llama: withLlama ? summarize(runs.llama, SPEED_KEYS) : null });
    }
  }

  // Start-up: addon require + first healthCheck, and the first request with the default model.
  const startup = [];
  for (let i = 0; i < Math.max(5, reps); i++) {
    await waitForIdle();
    startup.push(await runChild(OURS, [MODELS.smollm2.file, '1', 'startup']));
  }
  results.startup = summarize(startup, ['requireAndHealthMs', 'firstRequestMs']);
}

function printTables(r) {
  if (r.check) printFeedback(r);
  if (!r.startup) return;
  const contended = r.models.some((m) => m.ours.contended || m.llama?.contended || m.depth?.ours.contended || m.depth?.llama?.contended || m.assess?.ours.contended) || r.startup.contended;
  console.log(`\n## Samsara vs node-llama-cpp — ${r.date.slice(0, 10)}, ${r.cpu}, medians of ${r.reps}${contended ? ' (SOME RUNS CONTENDED)' : ''}\n`);
  console.log('| model | threads | engine | load ms | TTFT ms | prefill tok/s | decode tok/s | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of r.models) {
    const row = (name, s) =>
      console.log(`| ${m.label} | ${m.threads} | ${name} | ${fmt(s.loadMs)} | ${fmt(s.ttftMs)} | ${fmt(s.prefillTps)} | ${fmt(s.decodeTps, 1)} | ${fmt(s.peakRssMb)} |${s.contended ? ' contended' : ''}`);
    row('Samsara', m.ours);
    if (m.llama) {
      row('node-llama-cpp', m.llama);
      const q = m.ratio;
      console.log(`| ${m.label} | ${m.threads} | **ratio** | ${fmt(q.load, 2)}× | ${fmt(q.ttft, 2)}× | **${fmt(q.prefill, 2)}×** | **${fmt(q.decode, 2)}×** | ${fmt(q.peakRss, 2)}× |`);
    }
  }
  if (r.models.some((m) => m.depth)) {
    console.log(`\nDecode at depth: ${DECODE_TOKENS} tokens after a ${DEPTH_TOKENS}-token prompt (prompt tokens by each engine's tokenizer):\n`);
    console.log('| model | threads | engine | prompt tokens | prefill tok/s | decode tok/s at depth | peak RSS MB |');
    console.log('|---|---|---|---|---|---|---|');
    for (const m of r.models) {
      if (!m.depth) continue;
      const row = (name, s) =>
        console.log(`| ${m.label} | ${m.threads} | ${name} | ${fmt(s.promptTokens)} | ${fmt(s.prefillTps)} | ${fmt(s.decodeTps, 1)} | ${fmt(s.peakRssMb)} |${s.contended ? ' contended' : ''}`);
      row('Samsara', m.depth.ours);
      if (m.depth.llama) {
        row('node-llama-cpp', m.depth.llama);
        const q = m.depth.ratio;
        console.log(`| ${m.label} | ${m.threads} | **ratio** | | **${fmt(q.prefill, 2)}×** | **${fmt(q.decode, 2)}×** | ${fmt(q.peakRss, 2)}× |`);
      }
    }
  }
  if (r.limits && r.models.some((m) => m.limits)) {
    const L = r.limits;
    console.log(`\nDistance to the limit (1 thread): decode = weight bytes per token × tok/s ÷ one core's read bandwidth (${L.bandwidthGBs} GB/s), and with the f16 KV cache each token also reads (average over the ${DECODE_TOKENS} decoded tokens); prefill = the layers' multiply-adds per prompt token × tok/s ÷ one core's int8 peak (${L.int8GMACs} GMAC/s, ${L.int8Instruction}):\n`);
    console.log('| model | weight MB per token | Samsara decode | node-llama-cpp decode | + KV MB per token | Samsara decode with KV | node-llama-cpp with KV | Samsara prefill | node-llama-cpp prefill |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    const pct = (x) => (x == null ? '—' : `${fmt(100 * x)} %`);
    for (const m of r.models) {
      if (!m.limits) continue;
      const bytes = L.models.find((x) => x.file === path.basename(MODELS[m.id].file))?.decodeBytesPerToken;
      console.log(`| ${m.label} | ${fmt(bytes / 1e6)} | ${pct(m.limits.ours?.decode)} | ${pct(m.limits.llama?.decode)} | ${fmt(m.limits.ours?.kvBytesPerToken / 1e6, 1)} | ${pct(m.limits.ours?.decodeWithKv)} | ${pct(m.limits.llama?.decodeWithKv)} | ${pct(m.limits.ours?.prefill)} | ${pct(m.limits.llama?.prefill)} |`);
    }
  }
  if (r.models.some((m) => m.assess)) {
    console.log(`\nassessEssay end to end on examples/essay.txt (the checker, the model's comments under the JSON schema, the summary): wall time and the tokens the model ran; llama.cpp's reference is the time its measured rates above (same run, same threads) need for those tokens:\n`);
    console.log('| model | threads | Samsara ms | prompt tokens | generated tokens | comments | llama.cpp at its rates ms | ratio |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const m of r.models) {
      const a = m.assess;
      if (!a) continue;
      console.log(`| ${m.label} | ${m.threads} | ${fmt(a.ours.assessMs)} | ${fmt(a.ours.promptTokens)} | ${fmt(a.ours.generatedTokens)} | ${fmt(a.ours.comments)} | ${fmt(a.llamaRatesMs)} | **${fmt(a.ratio, 2)}×** |${a.ours.contended ? ' contended' : ''}`);
    }
  }
  console.log('\n| model | threads | healthCheck p99 / max during generation | cancel in prefill | cancel in decode | chat TTFT 1st → 2nd question (ratio) |');
  console.log('|---|---|---|---|---|---|');
  for (const m of r.models) {
    const e = m.extras;
    console.log(`| ${m.label} | ${m.threads} | ${fmt(e.healthP99Ms, 2)} / ${fmt(e.healthMaxMs, 2)} ms | ${fmt(e.cancelPrefillMs, 1)} ms | ${fmt(e.cancelDecodeMs, 1)} ms | ${fmt(e.chatTtftFirstMs)} → ${fmt(e.chatTtftSecondMs)} ms (${fmt(100 * e.chatSecondRatio)} %) |`);
  }
  if (r.contention) {
    console.log(`\nUnder contention (${MODELS.smollm2.label}; another process keeps one core busy):\n`);
    console.log('| threads | engine | prefill tok/s | decode tok/s |');
    console.log('|---|---|---|---|');
    for (const c of r.contention) {
      console.log(`| ${c.threads} | Samsara | ${fmt(c.ours.prefillTps)} | ${fmt(c.ours.decodeTps, 1)} |`);
      if (c.llama) console.log(`| ${c.threads} | node-llama-cpp | ${fmt(c.llama.prefillTps)} | ${fmt(c.llama.decodeTps, 1)} |`);
    }
  }
  const s = r.startup;
  console.log(`\nStart-up (SmolLM2): addon require + first healthCheck ${fmt(s.requireAndHealthMs, 1)} ms; first request until answered (model load included) ${fmt(s.firstRequestMs)} ms.`);
  const kernels = r.models.flatMap((m) => m.runs.ours).find((x) => x.kernels)?.kernels;
  if (kernels) console.log(`\nSamsara kernels: ${kernels}.`);
  for (const m of r.models) {
    if (m.llamaSystemInfo) {
      console.log(`\nllama.cpp system info: ${m.llamaSystemInfo}`);
      break;
    }
  }
  for (const m of r.models) {
    for (const [engine, s] of [['Samsara', m.ours], ['node-llama-cpp', m.llama], ['extras', m.extras], ['assessEssay', m.assess?.ours], ['Samsara at depth', m.depth?.ours], ['node-llama-cpp at depth', m.depth?.llama]]) {
      if (s?.errors) console.log(`errors (${m.id}, ${m.threads} threads, ${engine}): ${s.errors.join('; ')}`);
    }
  }
}

function printFeedback(r) {
  const c = r.check;
  console.log(`\n## Checking and assessment — ${r.date.slice(0, 10)}, ${r.cpu}, medians of ${c.ours.runs}\n`);
  console.log(`checkText on a ${c.words}-word essay (learner essays of the evaluation): the first check after warm-up, and one check after each of ${c.edits} one-character edits (typing). Harper alone (default rules, curated dictionary) on the same text and edits:\n`);
  console.log('| checker | first check ms | while typing: median ms | p95 ms |');
  console.log('|---|---|---|---|');
  const row = (name, s) => console.log(`| ${name} | ${fmt(s.firstMs, 1)} | ${fmt(s.editMedianMs, 1)} | ${fmt(s.editP95Ms, 1)} |${s.contended ? ' contended' : ''}`);
  row('Samsara checkText', c.ours);
  row('Harper alone', c.harper);
  console.log(`| **ratio** | ${fmt(ratio(c.ours.firstMs, c.harper.firstMs), 2)}× | **${fmt(ratio(c.ours.editMedianMs, c.harper.editMedianMs), 2)}×** | ${fmt(ratio(c.ours.editP95Ms, c.harper.editP95Ms), 2)}× |`);
  if (r.assess) {
    const a = r.assess;
    const delta = a.ours.assessMs - a.baseline.assessMs;
    console.log(`\nassessEssay on examples/essay.txt (SmolLM2, 1 thread), medians of ${a.ours.runs}: this build ${fmt(a.ours.assessMs)} ms (${fmt(a.ours.comments)} comments), baseline ${a.baselineRef} ${fmt(a.baseline.assessMs)} ms (${fmt(a.baseline.comments)} comments): ${delta >= 0 ? '+' : ''}${fmt(delta)} ms.`);
  }
  for (const [name, s] of [['checkText', c.ours], ['Harper', c.harper], ['assess', r.assess?.ours], ['baseline', r.assess?.baseline]]) {
    if (s?.errors) console.log(`errors (${name}): ${s.errors.join('; ')}`);
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
