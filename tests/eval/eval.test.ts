// The feedback bar, measured with the default model on every essay of the fixture sets (see
// scripts/lib/assessment-eval.ts), Harper alone measured on the same essays in the same run:
// - everyday errors: recall ≥ 90 %, ≤ 1 false alarm per 300 words on the clean essays, the top
//   suggestion right for ≥ 80 % of the errors found, and better than Harper on recall and false alarms;
// - every result schema-valid with verbatim anchors, the older fixtures' style problems found (≥ 90 %),
//   no duplicate comments, no model comment that repeats prompt text or names words outside its span.
// (`npm run eval` prints the same report; latency is reported, not asserted.)
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as engine from 'samsara-native';
import { SMOLLM2 } from '../addon/helpers';
import { evaluate, formatReport, loadEssays } from '../../scripts/lib/assessment-eval';

after(() => engine.shutdown());

test('feedback finds the everyday errors, raises few false alarms, suggests the right fix, and beats Harper', { timeout: 3_600_000 }, async () => {
  engine.configure({ modelPath: SMOLLM2 });
  const report = await evaluate(engine, loadEssays());
  console.log(formatReport(report));
  const { ours, harper } = report.errors.all;
  assert.ok(ours.recallPct >= 90, `recall ${ours.recallPct} %`);
  assert.ok(ours.falseAlarmsPer300 <= 1, `${ours.falseAlarmsPer300} false alarms per 300 words`);
  assert.ok(ours.suggestionRightPct >= 80, `top suggestion right ${ours.suggestionRightPct} %`);
  assert.ok(ours.recallPct > harper.recallPct, `recall ${ours.recallPct} % vs Harper ${harper.recallPct} %`);
  assert.ok(
    ours.falseAlarmsPer300 < harper.falseAlarmsPer300,
    `false alarms ${ours.falseAlarmsPer300} vs Harper ${harper.falseAlarmsPer300} per 300 words`,
  );
  assert.equal(report.schemaValidPct, 100, 'schema-valid');
  assert.equal(report.anchorsVerbatimPct, 100, 'inline anchors verbatim');
  assert.ok(report.plantedRecallPct >= 90, `style-rule recall ${report.plantedRecallPct} %`);
  assert.equal(report.duplicates, 0, 'duplicate comments');
  assert.equal(report.modelEchoes, 0, 'model comments repeating prompt text');
  assert.equal(report.modelOffSpan, 0, 'model comments naming words outside their span');
  assert.ok(report.withModelComment >= 0.75 * report.essays.length, `the model commented on ${report.withModelComment} essays`);
  for (const e of report.essays) assert.equal(e.error, undefined, `${e.set}/${e.name}: ${e.error}`);
});
