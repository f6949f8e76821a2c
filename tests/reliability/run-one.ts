// `npm run reliability` runs each scenario in a fresh process through this file (the addon is one
// engine per process); it prints the scenario's figures as one JSON line.
import * as native from 'samsara-native';
import { runModelFaults, runStoreFaults } from './faults';
import { runLoad } from './load';
import { runMatrix } from './matrix';

const scenarios: Record<string, () => Promise<unknown>> = {
  matrix: runMatrix,
  load: runLoad,
  'model-faults': runModelFaults,
  'store-faults': runStoreFaults,
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const run = scenarios[name];
  if (!run) throw new Error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
  const result = await run();
  await native.shutdown();
  console.log(`@@RESULT ${JSON.stringify(result)}`);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
