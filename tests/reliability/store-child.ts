// A child process for the store faults (tests/reliability/faults.ts): it runs the real addon with a
// storePath and prints one JSON line with what it saw.
//   write <db> <n>   n chat exchanges about one fileId; counts those listChat shows as saved
//   read <db>        how many exchanges a new process finds
//   degraded <db>    one chat on a store that can't be used; the answer must still come
import * as native from 'samsara-native';
import { SMOLLM2 } from '../addon/helpers';

// With a file-size limit (a full disk), the kernel sends SIGXFSZ on a write past it: handled, the write
// fails with EFBIG instead of the process being killed, as a write to a full disk fails with ENOSPC.
process.on('SIGXFSZ', () => {});

async function main(): Promise<void> {
  const [mode, db, count] = process.argv.slice(2);
  if (!mode || !db) throw new Error('usage: store-child.ts write|read|degraded <db> [n]');
  native.configure({ modelPath: SMOLLM2, storePath: db });
  const fileId = 'reliability';
  if (mode === 'write') {
    let answered = 0;
    let committed = 0;
    let failed = 0;
    for (let i = 0; i < Number(count); i++) {
      const before = (await native.listChat(fileId).catch(() => [])).length;
      await native.chat({ fileId, message: `Question ${i}: how long should my introduction be? ${'Please be specific. '.repeat(20)}` });
      answered++;
      const after = (await native.listChat(fileId).catch(() => [])).length;
      if (after === before + 2) committed++;
      else failed++;
    }
    const h = await native.healthCheck();
    console.log(JSON.stringify({ answered, committed, failed, storeStatus: h.store.status }));
  } else if (mode === 'read') {
    const present = (await native.listChat(fileId)).length / 2;
    console.log(JSON.stringify({ present }));
  } else {
    const r = await native.chat({ fileId, message: 'Give me one tip for my essay.' });
    const h = await native.healthCheck();
    console.log(JSON.stringify({ answered: r.reply.length > 0 ? 1 : 0, storeStatus: h.store.status, persistent: h.store.persistent }));
  }
  await native.shutdown();
}

main().catch((e: Error & { code?: string }) => {
  console.log(JSON.stringify({ error: e.code ?? 'NO_CODE', message: e.message }));
  process.exit(1);
});
