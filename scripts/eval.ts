// `npm run eval [-- --model <file.gguf | manifest id | architecture>] [--sets essays,essays-heldout2]`: the
// feedback evaluation on the fixture essays, Harper alone measured beside it, printed as a table and
// written to artifacts/eval/<model file>.json. Default: the manifest's default model. The evaluation
// itself is scripts/lib/assessment-eval.ts (tests/eval/eval.test.ts asserts on the same report).
import fs from 'node:fs';
import path from 'node:path';
import * as engine from 'samsara-native';
import { SETS, evaluate, formatReport, loadEssays, type SetName } from './lib/assessment-eval';
import { defaultModelPath, modelPath as manifestModelPath } from './lib/models';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const wanted = arg('--model');
  // A file path, else a model of models/manifest.json by id or architecture (`--model qwen2`).
  const modelPath = !wanted ? defaultModelPath() : fs.existsSync(wanted) ? path.resolve(wanted) : manifestModelPath(wanted);
  const sets = (arg('--sets')?.split(',') ?? SETS).filter((s): s is SetName => (SETS as readonly string[]).includes(s));
  engine.configure({ modelPath });
  await engine.loadModel();
  const essays = loadEssays(sets);
  console.log(`assessing ${essays.length} essays with ${path.basename(modelPath)} …`);
  const report = await evaluate(engine, essays, (r) => console.log(`  ${r.set}/${r.name}: ${(r.ms / 1000).toFixed(1)} s`));
  console.log(`\n${formatReport(report)}`);
  const out = path.join(__dirname, '..', 'artifacts', 'eval', `${path.basename(modelPath, '.gguf')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), out)}`);
  await engine.shutdown();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
