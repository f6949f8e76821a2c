// A separate process that starts a download and reports its progress on stdout ("bytes N" lines), for
// download.test.ts to kill mid-way (SIGKILL: an app that crashed or was quit) and resume from a new
// process. Argument: a JSON {modelsDir, entry}.
import { ModelManager } from '../../electron/models/manager';

const { modelsDir, entry } = JSON.parse(process.argv[2] ?? '{}');
const manager = new ModelManager({ modelsDir, catalogue: [entry], allowHttp: true, download: { progressIntervalMs: 20 } });
manager
  .downloadModel(entry.id, { onProgress: (p) => process.stdout.write(`bytes ${p.bytes}\n`) })
  .then(() => process.stdout.write('done\n'))
  .catch((e) => {
    process.stdout.write(`error ${e.code} ${e.message}\n`);
    process.exitCode = 1;
  });
