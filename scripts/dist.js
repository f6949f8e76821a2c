#!/usr/bin/env node
// `npm run dist[:win|:mac]`: electron-builder with the update feed filled in. electron-builder.json's
// publish names the GitHub repository through RELEASE_GH_OWNER / RELEASE_GH_REPO (the release workflow
// sets them); on a developer's machine they come from a github.com `origin` remote. Without either the
// installer is built without a feed (it won't update itself) instead of failing on the missing variables.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** owner/repo of a github.com remote URL (https or ssh), else null. */
function githubRepo(url) {
  const m = /github\.com[:/]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? { owner: m[1], repo: m[2] } : null;
}

function originRepo() {
  try {
    return githubRepo(execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return null;
  }
}

function main() {
  const args = process.argv.slice(2);
  const env = { ...process.env };
  if (!env.RELEASE_GH_OWNER || !env.RELEASE_GH_REPO) {
    const origin = originRepo();
    if (origin) {
      env.RELEASE_GH_OWNER = origin.owner;
      env.RELEASE_GH_REPO = origin.repo;
    }
  }
  if (env.RELEASE_GH_OWNER && env.RELEASE_GH_REPO) {
    console.log(`dist: updates from github.com/${env.RELEASE_GH_OWNER}/${env.RELEASE_GH_REPO} releases`);
  } else {
    const config = JSON.parse(fs.readFileSync(path.join(root, 'electron-builder.json'), 'utf8'));
    delete config.publish;
    const file = path.join(root, 'dist', 'electron-builder.no-feed.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    args.push('--config', path.relative(root, file));
    console.warn(
      'dist: no GitHub repository for updates (set RELEASE_GH_OWNER and RELEASE_GH_REPO, or add a github.com ' +
        '"origin" remote): this installer is built without an update feed and will not update itself.',
    );
  }
  const cli = require.resolve('electron-builder/cli.js', { paths: [root] });
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (require.main === module) main();
module.exports = { githubRepo };
