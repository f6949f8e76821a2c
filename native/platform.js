'use strict';
// Which compiled addon this machine runs, following Neon's conventions (@neon-rs/load): a build from
// source (./index.node) first, else the prebuilt platform package `@samsara/<platform>` that npm
// installed as an optional dependency. Plain CommonJS with no dependencies: it runs inside the
// packaged app's asar, where no node_modules are shipped.
const fs = require('node:fs');
const path = require('node:path');

const manifest = require('./package.json');

/** The platform packages we publish: `neon.platforms` in package.json is the one list. */
const PLATFORMS = Object.freeze(Object.keys(manifest.neon.platforms));

function isGlibc() {
  const header = process.report?.getReport()?.header;
  return Boolean(header && typeof header === 'object' && 'glibcVersionRuntime' in header);
}

/** Neon's name for this machine (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, …). */
function currentPlatform(platform = process.platform, arch = process.arch, glibc = platform === 'linux' && isGlibc()) {
  if (platform === 'win32') return `win32-${arch}-msvc`;
  if (platform === 'linux') return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  return `${platform}-${arch}`;
}

/** The npm package that carries the prebuilt addon for `platform`. */
function packageName(platform) {
  return `${manifest.neon.org}/${platform}`;
}

/**
 * Where the addon comes from, in the order tried: $SAMSARA_NATIVE_PATH, the build from source beside
 * this file, then the platform package. Each entry says why it was or wasn't usable, so a failure can
 * tell the user what to do.
 */
function candidates(dir = __dirname, env = process.env) {
  const list = [];
  if (env.SAMSARA_NATIVE_PATH) list.push({ from: '$SAMSARA_NATIVE_PATH', file: env.SAMSARA_NATIVE_PATH });
  const built = path.join(dir, 'index.node');
  if (fs.existsSync(built)) list.push({ from: 'the build from source', file: built });
  const platform = currentPlatform();
  const name = packageName(platform);
  if (!PLATFORMS.includes(platform)) {
    list.push({ from: name, missing: `no prebuilt binary is published for ${platform}` });
    return list;
  }
  try {
    const pkgJson = require.resolve(`${name}/package.json`, { paths: [dir] });
    const version = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version;
    if (version !== manifest.version) {
      list.push({ from: name, missing: `${name}@${version} is installed but samsara-native is ${manifest.version}` });
    } else {
      list.push({ from: `${name}@${version}`, file: path.join(path.dirname(pkgJson), 'index.node') });
    }
  } catch {
    list.push({ from: name, missing: `${name} is not installed` });
  }
  return list;
}

/** Loads the first usable addon; throws with every reason when none loads. */
function load(dir = __dirname, env = process.env) {
  const reasons = [];
  for (const c of candidates(dir, env)) {
    if (c.missing) {
      reasons.push(c.missing);
      continue;
    }
    try {
      return { addon: require(c.file), from: c.from, file: c.file };
    } catch (e) {
      reasons.push(`${c.from} (${c.file}) did not load: ${e.message}`);
    }
  }
  const error = new Error(reasons.join('; '));
  error.reasons = reasons;
  throw error;
}

module.exports = { PLATFORMS, currentPlatform, packageName, candidates, load };
