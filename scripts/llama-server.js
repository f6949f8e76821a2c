#!/usr/bin/env node
'use strict';
// llama.cpp's OpenAI-compatible server, for the provider tests: llama-cpp-python[server] at the pinned
// versions of scripts/llama-server.requirements.txt, installed into a virtual environment that is kept
// between runs (it builds llama.cpp from source: about 4 min on 2 cores, once).
//   node scripts/llama-server.js        installs it if missing, then prints the venv's python
// The folder is $SAMSARA_LLAMA_SERVER_VENV, else <user cache>/samsara/llama-server-<version>.
const path = require('node:path');
const { pythonVenv } = require('./lib/venv');

const venv = pythonVenv({
  name: 'llama-server',
  requirement: 'llama-cpp-python[server]',
  requirements: path.join(__dirname, 'llama-server.requirements.txt'),
  envVar: 'SAMSARA_LLAMA_SERVER_VENV',
  probe: ['-c', 'import llama_cpp.server'],
  note: 'builds llama.cpp: a few minutes, once',
});

module.exports = { ensure: venv.ensure };

if (require.main === module) {
  try {
    console.log(venv.ensure());
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
