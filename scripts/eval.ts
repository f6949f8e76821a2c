// `npm run eval [-- --model path/to/model.gguf]`: the assessment evaluation on tests/fixtures/essays/,
// printed as a table and written to artifacts/eval/<model file>.json.
import fs from 'node:fs';
import path from 'node:path';
import * as engine from 'samsara-native';
import { evaluate, formatReport, loadEssays } from '../tests/eval/assessment-eval';

async function main() {
  const i = process.argv.indexOf('--model');
  const modelPath = i > 0 ? path.resolve(process.argv[i + 1] ?? '') : engine.DEFAULT_MODEL;
  engine.configure({ modelPath });
  await engine.loadModel();
  const essays = loadEssays();
  console.log(`assessing ${essays.length} essays with ${path.basename(modelPath)} …`);
  const report = await evaluate(engine, essays, (r) => console.log(`  ${r.name}: ${(r.ms / 1000).toFixed(1)} s`));
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
