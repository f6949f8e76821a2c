#!/usr/bin/env node
// Headless demo of the main job, in plain Node (no Electron): assess an essay, print the comments and
// the summary, then stream a chat answer about it.
//   npm run demo -- examples/essay.txt ["your question"]
'use strict';
const fs = require('node:fs');
const native = require('samsara-native');

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run demo -- <essay.txt> ["question about the essay"]');
    process.exit(2);
  }
  const text = fs.readFileSync(file, 'utf8');
  const question = process.argv[3] || 'What is the strongest part of my essay, and what should I fix first?';

  const t0 = Date.now();
  const model = await native.loadModel();
  console.log(`model: ${model.name} (${model.architecture}, ${model.quantization}) loaded in ${Date.now() - t0} ms\n`);

  const t1 = Date.now();
  const result = await native.assessEssay({ fileId: file, text });
  console.log(`assessment (${((Date.now() - t1) / 1000).toFixed(1)} s):`);
  for (const c of result.comments) {
    const where = c.anchor ? `"${c.anchor.quote}" [${c.anchor.start}-${c.anchor.end}]` : '(whole essay)';
    const by = c.source === 'rules' ? `rule ${c.rule}` : 'model';
    console.log(`  • ${c.kind.padEnd(6)} ${where}  (${by})\n      ${c.content}`);
  }
  const m = result.metrics;
  if (m) {
    console.log(`\nmetrics: ${m.words} words, ${m.sentences} sentences, ${m.paragraphs} paragraphs; ` +
      `${m.avgSentenceLength} words per sentence; Flesch reading ease ${m.fleschReadingEase}, grade ${m.fleschKincaidGrade}`);
  }
  console.log(`\nsummary:\n  ${result.summary}\n`);

  console.log(`you: ${question}`);
  process.stdout.write('tutor: ');
  const t2 = Date.now();
  await native.chat(
    { fileId: file, message: question, contextText: text },
    { onToken: (t) => process.stdout.write(t) },
  );
  console.log(`\n\n(chat answered in ${((Date.now() - t2) / 1000).toFixed(1)} s)`);
}

main().catch((e) => {
  console.error(`\ndemo failed: [${e.code || 'ERROR'}] ${e.message}`);
  process.exit(1);
});
