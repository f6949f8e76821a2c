'use strict';
// The documented API of the native engine (see index.d.ts). Wraps the raw Neon exports: payloads cross
// as JSON, results come back parsed, every error is an Error with a `code`, and per-request options
// (requestId, timeoutMs, AbortSignal, onToken) are handled here.
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const DEFAULT_TIMEOUT_MS = 60_000;

function codedError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

function loadAddon() {
  try {
    return require('./platform').load();
  } catch (e) {
    throw codedError('ENGINE_DOWN',
      `The native addon could not be loaded: ${e.message}. Run \`npm install\` (it uses the prebuilt binary for this platform, or builds from source with Rust).`);
  }
}

const loaded = loadAddon();
const raw = loaded.addon;
/** The limits the addon enforces (native/src/tasks/requests.rs is their one source). */
const LIMITS = Object.freeze(JSON.parse(raw.limits()));

/** models/manifest.json's default model (the file names live there only). */
function defaultModel() {
  const dir = path.join(__dirname, '..', 'models');
  try {
    const manifest = JSON.parse(require('node:fs').readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const entry = manifest.models.find((m) => m.id === manifest.default);
    if (entry && typeof entry.file === 'string') return path.join(dir, entry.file);
  } catch { /* no manifest beside the addon (a custom layout): configure({ modelPath }) names it */ }
  return undefined;
}
const DEFAULT_MODEL = defaultModel();
if (!process.env.SAMSARA_MODEL && DEFAULT_MODEL) raw.configure(JSON.stringify({ modelPath: DEFAULT_MODEL }));

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toJson(what, value) {
  if (!isPlainObject(value)) throw codedError('INVALID_REQUEST', `${what} expects an object.`);
  try {
    return JSON.stringify(value, (key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) {
        throw codedError('INVALID_REQUEST', `${key || 'value'} must be a finite number.`);
      }
      return v;
    });
  } catch (e) {
    if (e.code) throw e;
    throw codedError('INVALID_REQUEST', `${what}: the payload cannot be serialized (${e.message}).`);
  }
}

const OPTION_KEYS = new Set(['requestId', 'timeoutMs', 'signal', 'onToken']);

function requestOptions(o) {
  if (o === undefined || o === null) return { timeoutMs: DEFAULT_TIMEOUT_MS };
  if (!isPlainObject(o)) throw codedError('INVALID_REQUEST', 'options must be an object.');
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.has(k)) throw codedError('INVALID_REQUEST', `Unknown option ${k}.`);
  }
  const { requestId, timeoutMs = DEFAULT_TIMEOUT_MS, signal, onToken } = o;
  // Types are checked here; lengths and ranges once, in the addon (LIMITS).
  if (requestId !== undefined && typeof requestId !== 'string') {
    throw codedError('INVALID_REQUEST', 'requestId must be a string.');
  }
  if (typeof timeoutMs !== 'number') {
    throw codedError('INVALID_REQUEST', 'timeoutMs must be a number.');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw codedError('INVALID_REQUEST', 'signal must be an AbortSignal.');
  }
  if (onToken !== undefined && typeof onToken !== 'function') {
    throw codedError('INVALID_REQUEST', 'onToken must be a function.');
  }
  return { requestId, timeoutMs, signal, onToken };
}

async function run(action, input, options) {
  const o = requestOptions(options);
  const json = action === 'loadModel' ? '{}' : toJson(action, input);
  const requestId = o.requestId ?? randomUUID();
  if (o.signal?.aborted) throw codedError('CANCELLED', 'The request was cancelled.');
  // A throwing callback must not become an uncaught exception inside the addon's callback.
  const onToken = o.onToken && ((text) => {
    try { o.onToken(text); } catch { /* the caller's bug; generation goes on */ }
  });
  const pending = raw[action](json, requestId, o.timeoutMs, onToken);
  const abort = () => raw.cancel(requestId, 'cancel');
  o.signal?.addEventListener('abort', abort, { once: true });
  // The worker checks the deadline itself; this timer also answers a request still waiting in the queue.
  const timer = setTimeout(() => raw.cancel(requestId, 'timeout'), Math.min(o.timeoutMs, LIMITS.timeoutMs) || 1);
  try {
    return JSON.parse(await pending);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', abort);
  }
}

function configure(opts) {
  raw.configure(toJson('configure', opts));
}

/** GET {baseUrl}/models of an OpenAI-compatible server: the model ids it offers ("Test connection"). */
async function listProviderModels(provider) {
  return JSON.parse(await raw.listProviderModels(toJson('listProviderModels', provider)));
}

async function healthCheck() {
  const r = JSON.parse(raw.healthCheck());
  // The provider's last probe comes as epoch milliseconds; the report's times are ISO 8601.
  const { checkedAtMs, ...provider } = r.provider ?? { kind: 'local' };
  if (checkedAtMs !== undefined) provider.checkedAt = new Date(checkedAtMs).toISOString();
  return { ...r, provider, timestamp: new Date().toISOString() };
}

function tokenize(text, opts) {
  if (typeof text !== 'string') throw codedError('INVALID_REQUEST', 'tokenize expects a string.');
  if (opts !== undefined && !isPlainObject(opts)) throw codedError('INVALID_REQUEST', 'options must be an object.');
  const special = opts?.parseSpecialTokens ?? false;
  if (typeof special !== 'boolean') throw codedError('INVALID_REQUEST', 'parseSpecialTokens must be a boolean.');
  return raw.tokenize(text, special);
}

function detokenize(ids) {
  if (!Array.isArray(ids)) throw codedError('INVALID_REQUEST', 'detokenize expects an array of token ids.');
  return raw.detokenize(ids);
}

function history(action) {
  return async (fileId) => {
    if (typeof fileId !== 'string') throw codedError('INVALID_REQUEST', `${action} expects a fileId string.`);
    return JSON.parse(await raw[action](fileId));
  };
}

function historyChange(action, what) {
  return async (id) => {
    if (typeof id !== 'string') throw codedError('INVALID_REQUEST', `${action} expects ${what} string.`);
    await raw[action](id);
  };
}

/** The deterministic checker alone (no model); answers in milliseconds, never behind an inference. */
async function checkText(input) {
  return JSON.parse(await raw.checkText(toJson('checkText', input)));
}

function word(action) {
  return async (w) => {
    if (typeof w !== 'string') throw codedError('INVALID_REQUEST', `${action} expects a word (a string).`);
    await raw[action](w);
  };
}

async function getSettings() {
  return JSON.parse(await raw.getSettings());
}

async function setSettings(patch) {
  return JSON.parse(await raw.setSettings(toJson('setSettings', patch)));
}

async function listWords() {
  return JSON.parse(await raw.listWords());
}

function cancel(requestId) {
  if (typeof requestId !== 'string') throw codedError('INVALID_REQUEST', 'cancel(requestId): requestId must be a string.');
  return raw.cancel(requestId, 'cancel');
}

/** Cancels all queued and running work and frees the model (app quit). */
async function shutdown() {
  raw.cancelAll();
  raw.unloadModel();
}

module.exports = {
  configure,
  listProviderModels,
  loadModel: (options) => run('loadModel', undefined, options),
  healthCheck,
  assessEssay: (input, options) => run('assessEssay', input, options),
  chat: (input, options) => run('chat', input, options),
  generateFeedbackSummary: (input, options) => run('generateFeedbackSummary', input, options),
  complete: (input, options) => run('complete', input, options),
  tokenize,
  detokenize,
  listAssessments: history('listAssessments'),
  listChat: history('listChat'),
  clearChat: historyChange('clearChat', 'a fileId'),
  deleteEssay: historyChange('deleteEssay', 'a fileId'),
  deleteAssessment: historyChange('deleteAssessment', 'an assessment id'),
  checkText,
  addWord: word('addWord'),
  removeWord: word('removeWord'),
  listWords,
  getSettings,
  setSettings,
  cancel,
  shutdown,
  DEFAULT_MODEL,
  LIMITS,
  /** Which addon was loaded: `{ from, file }` (the build from source, a platform package, $SAMSARA_NATIVE_PATH). */
  ADDON: Object.freeze({ from: loaded.from, file: loaded.file }),
};
