#!/usr/bin/env node
'use strict';
// llama.cpp's OpenAI-compatible server, for the provider tests: llama-cpp-python[server] at the pinned
// versions of scripts/llama-server.requirements.txt, installed into a virtual environment that is kept
// between runs (it builds llama.cpp from source: about 4 min on 2 cores, once).
//   node scripts/llama-server.js        installs it if missing, then prints the venv's python
// The folder is $SAMSARA_LLAMA_SERVER_VENV, else <user cache>/samsara/llama-server-<version>.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REQUIREMENTS = path.join(__dirname, 'llama-server.requirements.txt');

/** The pinned llama-cpp-python version (the requirements file's own line for it). */
function version() {
  const m = /^llama-cpp-python\[server\]==(\S+)/m.exec(fs.readFileSync(REQUIREMENTS, 'utf8'));
  if (!m) throw new Error(`${REQUIREMENTS} does not pin llama-cpp-python[server]`);
  return m[1];
}

function venvDir() {
  if (process.env.SAMSARA_LLAMA_SERVER_VENV) return process.env.SAMSARA_LLAMA_SERVER_VENV;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'samsara', `llama-server-${version()}`);
}

/** The venv's python (Scripts\python.exe on Windows). */
function pythonPath() {
  const dir = venvDir();
  return process.platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
}

function installed() {
  const py = pythonPath();
  return fs.existsSync(py) && spawnSync(py, ['-c', 'import llama_cpp.server'], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
}

/** Installs the server if it is missing; returns the python that runs it. */
function ensure() {
  if (installed()) return pythonPath();
  const base = process.platform === 'win32' ? 'python' : 'python3';
  console.log(`llama-server: installing llama-cpp-python[server]==${version()} into ${venvDir()} (builds llama.cpp: a few minutes, once)`);
  const started = Date.now();
  fs.rmSync(venvDir(), { recursive: true, force: true });
  run(base, ['-m', 'venv', venvDir()]);
  run(pythonPath(), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS]);
  if (!installed()) throw new Error('llama-server: llama_cpp.server does not import after the install');
  console.log(`llama-server: installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return pythonPath();
}

module.exports = { ensure, pythonPath, installed, version };

if (require.main === module) {
  try {
    console.log(ensure());
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
