// electron/schemas.ts keeps a copy of the engine's request limits (main must not load the addon when
// the module loads; see the comment on LIMITS there). This ties the copy to the one source: the addon's
// LIMITS (native/index.js, from native/src/tasks/requests.rs). A limit changed on one side only fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS as addonLimits } from 'samsara-native';
import { FIELD_NAMES, LIMITS as schemaLimits, assessmentIdSchema, fileIdSchema, tooLong } from '../../electron/schemas';

/** schemas.ts's own limits, with no engine counterpart. */
const MAIN_ONLY = new Set(['ticket']);

test("every limit in electron/schemas.ts equals the addon's LIMITS for the same key", () => {
  const engine = addonLimits as unknown as Record<string, number>;
  const ours = schemaLimits as Record<string, number>;
  const shared = Object.keys(ours).filter((k) => !MAIN_ONLY.has(k));
  assert.ok(shared.length >= 8, `compared ${shared.join(', ')}`);
  const differing = shared
    .filter((k) => ours[k] !== engine[k])
    .map((k) => `${k}: schemas.ts ${ours[k]}, addon ${engine[k] ?? '(no such key)'}`);
  assert.deepEqual(differing, [], 'schemas.ts LIMITS differ from the addon\'s');
});

test('the schemas enforce those numbers: one over the limit is refused, the limit itself is not', () => {
  for (const [schema, name] of [
    [fileIdSchema, FIELD_NAMES.fileId],
    [assessmentIdSchema, FIELD_NAMES.id],
  ] as const) {
    assert.ok(schema.safeParse('x'.repeat(addonLimits.fileId)).success, `${name} of ${addonLimits.fileId}`);
    const over = schema.safeParse('x'.repeat(addonLimits.fileId + 1));
    assert.ok(!over.success);
    assert.equal(over.error.issues[0]?.message, tooLong(name, addonLimits.fileId));
  }
});
