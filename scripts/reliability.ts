// `npm run reliability`: runs the reliability scenarios, each in a fresh process, and prints the
// figures (cases tried, crashes, requests served/refused, faults survived, rows lost, fuzzing). The
// same scenarios are asserted by tests/reliability/*.test.ts in `npm test`; this prints them.
// Writes artifacts/reliability/latest.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const crashes: string[] = [];

function scenario<T>(name: string): T | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/reliability/run-one.ts', name], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (r.status !== 0 || !line) {
    crashes.push(`${name}: exit ${r.status ?? r.signal} ${r.stderr.slice(-300)}`);
    return null;
  }
  return JSON.parse(line.slice('@@RESULT '.length)) as T;
}

function cargo(test: string): string {
  const r = spawnSync('cargo', ['test', '--release', '--test', test, '--', '--nocapture'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) crashes.push(`cargo test ${test}: exit ${r.status ?? r.signal}`);
  return `${r.stdout}\n${r.stderr}`;
}

interface Fault {
  name: string;
  survived: boolean;
  detail: string;
  rowsLost?: number;
}

console.log('reliability: bad-input matrix…');
const matrix = scenario<{ cases: number; passed: number; failures: string[]; byCode: Record<string, number> }>('matrix');
console.log('reliability: 100-request burst…');
const load = scenario<{
  requests: number;
  served: number;
  refusedBusy: number;
  other: string[];
  healthMaxMs: number;
  healthP99Ms: number;
  healthCallMaxMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  burstSeconds: number;
}>('load');
console.log('reliability: faults…');
const faults = [...(scenario<Fault[]>('model-faults') ?? []), ...(scenario<Fault[]>('store-faults') ?? [])];
console.log('reliability: SIGKILL x20 on a writer, fuzz smoke runs (cargo)…');
const crashOut = cargo('store_crash');
const killLine = /(\d+) kills: (\d+) assessments and (\d+) chat exchanges reported, none lost/.exec(crashOut);
const fuzzOut = cargo('fuzz_smoke');
const smoke = [...fuzzOut.matchAll(/fuzz_smoke (\w+): seed \d+, (\d+) runs/g)].map((m) => ({ target: m[1], runs: Number(m[2]) }));
console.log('reliability: Electron security checks…');
const sec = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'tests/electron/security.test.ts', 'tests/service/service.test.ts'], {
  cwd: root,
  encoding: 'utf8',
});
const pass = Number(/# pass (\d+)/.exec(sec.stdout)?.[1] ?? 0);
const fail = Number(/# fail (\d+)/.exec(sec.stdout)?.[1] ?? 1);
const longRuns = JSON.parse(fs.readFileSync(path.join(root, 'native', 'fuzz', 'results.json'), 'utf8')) as {
  date: string;
  targets: Array<{ target: string; seconds: number; executions: number; findings: string }>;
};

const rowsLostDiskFull = faults.reduce((a, f) => a + (f.rowsLost ?? 0), 0);
const rows: Array<[string, string]> = [
  ['bad inputs tried (native + IPC service)', matrix ? `${matrix.cases} (${matrix.passed} as expected; codes ${JSON.stringify(matrix.byCode)})` : 'crashed'],
  ['crashes (a scenario process that died)', String(crashes.length)],
  [
    'burst of 100 concurrent requests',
    load
      ? `${load.served} served, ${load.refusedBusy} refused ENGINE_BUSY, ${load.other.length} other, in ${load.burstSeconds.toFixed(0)} s; healthCheck call max ${load.healthCallMaxMs.toFixed(2)} ms, end to end p99 ${load.healthP99Ms.toFixed(2)} ms, max ${load.healthMaxMs.toFixed(2)} ms; RSS ${load.rssBeforeMb.toFixed(0)} → ${load.rssAfterMb.toFixed(0)} MB`
      : 'crashed',
  ],
  ['faults survived', `${faults.filter((f) => f.survived).length} of ${faults.length}`],
  [
    'rows lost',
    `${killLine ? `SIGKILL x${killLine[1]}: ${killLine[2]} assessments + ${killLine[3]} exchanges committed, 0 lost` : 'store_crash failed'}; disk full: ${rowsLostDiskFull} lost`,
  ],
  ['fuzzing, smoke run (every npm test)', smoke.map((s) => `${s.target} ${s.runs}`).join(', ')],
  ['fuzzing, long runs (cargo fuzz)', longRuns.targets.map((t) => `${t.target} ${t.executions.toLocaleString('en')} execs/${t.seconds / 60} min: ${t.findings}`).join('; ')],
  ['Electron/IPC security checks', `${pass} passed, ${fail} failed`],
];
console.log('\nReliability figures\n');
for (const [k, v] of rows) console.log(`  ${k.padEnd(40)} ${v}`);
for (const f of faults) console.log(`    ${f.survived ? 'ok  ' : 'FAIL'} ${f.name}: ${f.detail}`);
for (const f of matrix?.failures ?? []) console.log(`    FAIL ${f}`);
for (const c of crashes) console.log(`    CRASH ${c}`);

const out = path.join(root, 'artifacts', 'reliability');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), matrix, load, faults, crashes, smoke, longRuns, security: { pass, fail } }, null, 2));
console.log('\nreliability: wrote artifacts/reliability/latest.json');
const bad = crashes.length > 0 || (matrix?.failures.length ?? 1) > 0 || faults.some((f) => !f.survived) || fail > 0;
process.exit(bad ? 1 : 0);
