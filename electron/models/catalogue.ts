// The catalogue of recommended models: models/manifest.json's `catalogue` array (the `models` array
// and `default` beside it are the build's list of bundled and test models, read by scripts/lib/models.js,
// native/src/manifest.rs and electron/paths.ts; the catalogue is what users can download).
//
// Trust: an entry with `verified: true` has a sha256 that we computed on the file ourselves. An entry
// with `verified: false` was not downloaded by anyone here: its sha256, when present, comes from public
// listings and is still enforced (a mismatch is refused); when it is null, the first download is
// trusted if its size is exactly `sizeBytes`. Either way the hash the download computed is recorded in
// <modelsDir>/models.json and shown as verified for that installation from then on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DownloadSpec } from '../../preload/models';
import { modelError } from './errors';

export interface CatalogueEntry {
  id: string;
  name: string;
  /** The file name in the models folder. */
  file: string;
  url: string;
  sizeBytes: number;
  sha256: string | null;
  verified: boolean;
  architecture: string;
  quantization: string;
  /** The context length the model was trained for (the file's `<arch>.context_length`). */
  contextLength: number;
  /** Memory to run it: weights + an f16 KV cache of 8192 tokens + runtime (fit.ts ramNeeded). */
  ramBytes: number;
  licence: string;
  /** Shipped with the app (the manifest's `default`): listed as installed, never removed. */
  bundled?: boolean;
}

/** What downloadModel accepts besides a catalogue id (defined with window.api's types). */
export type { DownloadSpec } from '../../preload/models';

const ID = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A bare file name ending in .gguf: nothing may point outside the models folder. */
export function isModelFileName(file: string): boolean {
  return (
    typeof file === 'string' &&
    file === path.basename(file) &&
    file === path.win32.basename(file) &&
    /^[^\0<>:"|?*]{1,200}\.gguf$/i.test(file) &&
    !file.startsWith('.')
  );
}

/** http(s) only; the manifest's own entries must be https (tests pass `allowHttp` for 127.0.0.1). */
export function checkUrl(url: unknown, allowHttp: boolean): URL {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw modelError('bad-spec', `The download address ${JSON.stringify(String(url)).slice(0, 200)} is not a URL.`);
  }
  if (u.protocol !== 'https:' && !(allowHttp && u.protocol === 'http:')) {
    throw modelError('bad-spec', `The download address must start with https:// (got ${u.protocol}).`);
  }
  if (u.username || u.password) throw modelError('bad-spec', 'The download address must not contain a user name or password.');
  return u;
}

function bad(i: number, field: string, why: string): never {
  throw modelError('bad-spec', `models/manifest.json catalogue[${i}].${field} ${why}`);
}

/** Checks every field of every entry; throws naming the entry and the field. */
export function parseCatalogue(raw: unknown, opts: { allowHttp?: boolean } = {}): CatalogueEntry[] {
  if (!Array.isArray(raw)) throw modelError('bad-spec', 'models/manifest.json has no catalogue array.');
  const seen = new Set<string>();
  return raw.map((e: Record<string, unknown>, i) => {
    if (typeof e !== 'object' || e === null) bad(i, '', 'is not an object');
    const str = (k: string) => (typeof e[k] === 'string' && (e[k] as string).length > 0 ? (e[k] as string) : bad(i, k, 'must be a non-empty string'));
    const pos = (k: string) => (Number.isSafeInteger(e[k]) && (e[k] as number) > 0 ? (e[k] as number) : bad(i, k, 'must be a positive integer'));
    const id = str('id');
    if (!ID.test(id)) bad(i, 'id', 'must be lower-case letters, digits, ".", "_" or "-"');
    if (seen.has(id)) bad(i, 'id', `repeats ${id}`);
    seen.add(id);
    const file = str('file');
    if (!isModelFileName(file)) bad(i, 'file', 'must be a bare file name ending in .gguf');
    const url = str('url');
    checkUrl(url, opts.allowHttp ?? false);
    const sha256 = e.sha256 === null ? null : str('sha256');
    if (sha256 !== null && !SHA256.test(sha256)) bad(i, 'sha256', 'must be 64 lower-case hex digits or null');
    if (typeof e.verified !== 'boolean') bad(i, 'verified', 'must be true or false');
    if (e.verified && sha256 === null) bad(i, 'verified', 'is true but there is no sha256');
    if (e.bundled !== undefined && typeof e.bundled !== 'boolean') bad(i, 'bundled', 'must be true or false');
    const entry: CatalogueEntry = {
      id,
      name: str('name'),
      file,
      url,
      sizeBytes: pos('sizeBytes'),
      sha256,
      verified: e.verified as boolean,
      architecture: str('architecture'),
      quantization: str('quantization'),
      contextLength: pos('contextLength'),
      ramBytes: pos('ramBytes'),
      licence: str('licence'),
      ...(e.bundled ? { bundled: true } : {}),
    };
    return entry;
  });
}

/** The catalogue of a models/manifest.json. */
export function readCatalogue(manifestFile: string): CatalogueEntry[] {
  let json: { catalogue?: unknown };
  try {
    json = JSON.parse(readFileSync(manifestFile, 'utf8')) as { catalogue?: unknown };
  } catch (e) {
    throw modelError('io', `The model list ${manifestFile} could not be read (${(e as Error).message}).`);
  }
  return parseCatalogue(json.catalogue);
}

/** A download spec as a catalogue-shaped entry (id from the file name); throws bad-spec when unusable. */
export function entryFromSpec(spec: DownloadSpec, opts: { allowHttp?: boolean } = {}): CatalogueEntry {
  if (typeof spec !== 'object' || spec === null) throw modelError('bad-spec', 'A download needs a model id or {url, sha256, sizeBytes}.');
  const u = checkUrl(spec.url, opts.allowHttp ?? false);
  const sha256 = spec.sha256 === undefined ? null : String(spec.sha256).toLowerCase();
  if (sha256 !== null && !SHA256.test(sha256)) throw modelError('bad-spec', 'sha256 must be 64 hex digits.');
  if (spec.sizeBytes !== undefined && !(Number.isSafeInteger(spec.sizeBytes) && spec.sizeBytes > 0)) {
    throw modelError('bad-spec', 'sizeBytes must be a positive whole number.');
  }
  if (sha256 === null && spec.sizeBytes === undefined) {
    throw modelError('bad-spec', 'A download by address needs its sha256 or at least its exact sizeBytes.');
  }
  let file = decodeURIComponent(u.pathname.split('/').pop() ?? '');
  if (!isModelFileName(file)) {
    const fromName = `${String(spec.name ?? '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '')}.gguf`;
    if (!isModelFileName(fromName) || fromName === '.gguf') {
      throw modelError('bad-spec', 'The address does not end in a .gguf file name; give the model a name.');
    }
    file = fromName;
  }
  const id = file.replace(/\.gguf$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 100);
  if (!ID.test(id)) throw modelError('bad-spec', 'The model needs a name made of letters or digits.');
  const name = typeof spec.name === 'string' && spec.name.trim() ? spec.name.trim().slice(0, 200) : file.replace(/\.gguf$/i, '');
  return {
    id,
    name,
    file,
    url: u.toString(),
    sizeBytes: spec.sizeBytes ?? 0,
    sha256,
    verified: false,
    architecture: 'unknown',
    quantization: 'unknown',
    contextLength: 0,
    ramBytes: 0,
    licence: 'unknown',
  };
}
