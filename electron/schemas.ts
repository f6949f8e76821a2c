// The payload schemas main checks before anything reaches the engine (zod). The limits match the
// engine's own (native/src/tasks/requests.rs), in UTF-16 code units like JavaScript's string.length.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { CATEGORIES, DIALECTS, type HistoryAction } from '../preload/api';
import { LIMITS, SETTING_RANGES } from '../preload/limits';

/**
 * The request limits: one list in preload/limits.ts (a copy of the addon's `LIMITS`, tied to it by
 * tests/service/limits.test.ts), shared with the renderer, which shows them before anything is sent.
 */
export { LIMITS };

/*
 * Every message here may reach a student (a toast): plain language, naming what they wrote ("The
 * essay", "Your question"), never a field of the request. describeIssue passes them on as they are.
 */

/** The messages written here (describeIssue passes these on unchanged; zod's own get a plain prefix). */
const OURS = new Set<string>();
function says(message: string): string {
  OURS.add(message);
  return message;
}

/** "100,000" */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The dialect setting (the one list is DIALECTS in preload/api.ts). */
export const dialectSchema = z.enum(DIALECTS, {
  error: () => says(`The English to check in must be one of ${DIALECTS.map((d) => `"${d}"`).join(', ')}.`),
});
/** A comment's category (the one list is CATEGORIES in preload/api.ts). */
export const categorySchema = z.enum(CATEGORIES, {
  error: () => says(`A comment's category must be one of ${CATEGORIES.map((c) => `"${c}"`).join(', ')}.`),
});

/** What the student wrote, by the field that carries it (what each message names instead of the field). */
export const FIELD_NAMES = {
  fileId: "The essay's id",
  text: 'The essay',
  instruction: 'The assignment',
  message: 'Your question',
  contextText: 'The essay sent with your question',
  comment: 'A comment',
  id: "The saved assessment's id",
  word: 'The word',
} as const;

/** The message for text over its limit (the renderer says the same before sending). */
export function tooLong(what: string, max: number): string {
  return `${what} is too long: the limit is ${count(max)} characters. Shorten it and try again.`;
}

/** A string that is not empty or only whitespace, with a size limit named in the message. */
function text(name: string, max: number) {
  return z
    .string({ error: (issue) => says(issue.input === undefined ? `${name} is missing.` : `${name} must be text.`) })
    .refine((s) => s.trim().length > 0, { message: says(`${name} is empty.`) })
    .refine((s) => s.length <= max, { message: says(tooLong(name, max)) })
    .refine(wellFormed, { message: brokenCharacter(name) });
}

/** Text without a lone UTF-16 surrogate (half of an emoji, from a bad copy): it can't be encoded. */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function brokenCharacter(name: string): string {
  return says(`${name} contains a broken character (half of an emoji or symbol); copy the text again or delete that character.`);
}

/** A name from the request (an unknown field), short enough to show. */
function shown(name: string): string {
  return name.length <= 40 ? name : `${name.slice(0, 39)}…`;
}

const anchor = z.strictObject({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  quote: z.string().max(LIMITS.text, { message: says(tooLong("A comment's quote", LIMITS.text)) }),
});

const suggestions = z
  .array(z.string().max(LIMITS.message, { message: says(tooLong('A suggestion', LIMITS.message)) }))
  .max(LIMITS.suggestions, { message: says(`A comment has at most ${LIMITS.suggestions} suggestions.`) });

/** A comment's source or rule (short labels). */
const label = z.string().max(LIMITS.label, { message: says(`A comment's label is longer than ${LIMITS.label} characters.`) });

const comment = z.strictObject({
  content: text(FIELD_NAMES.comment, LIMITS.message),
  kind: z.enum(['inline', 'block']),
  anchor: anchor.optional(),
  source: label.optional(),
  rule: label.optional(),
  category: categorySchema.optional(),
  suggestions: suggestions.optional(),
});

export const payloadSchemas = {
  assessEssay: z.strictObject({
    fileId: text(FIELD_NAMES.fileId, LIMITS.fileId),
    text: text(FIELD_NAMES.text, LIMITS.text),
    instruction: text(FIELD_NAMES.instruction, LIMITS.instruction).optional(),
    dialect: dialectSchema.optional(),
  }),
  chat: z.strictObject({
    fileId: text(FIELD_NAMES.fileId, LIMITS.fileId).optional(),
    message: text(FIELD_NAMES.message, LIMITS.message),
    contextText: text(FIELD_NAMES.contextText, LIMITS.text).optional(),
  }),
  generateFeedbackSummary: z.strictObject({
    fileId: text(FIELD_NAMES.fileId, LIMITS.fileId),
    text: text(FIELD_NAMES.text, LIMITS.text),
    comments: z
      .array(comment)
      .max(LIMITS.comments, { message: says(`At most ${count(LIMITS.comments)} comments can be summarized at once.`) })
      .optional(),
  }),
} as const;

/** The argument of listAssessments, listChat, clearChat and deleteEssay. */
export const fileIdSchema = text(FIELD_NAMES.fileId, LIMITS.fileId);

/** deleteAssessment's argument: an assessment's `id` from listAssessments (the engine allows fileId's length). */
export const assessmentIdSchema = text(FIELD_NAMES.id, LIMITS.fileId);

/** The argument of each history action. */
export const historySchemas: Record<HistoryAction, typeof fileIdSchema> = {
  listAssessments: fileIdSchema,
  listChat: fileIdSchema,
  clearChat: fileIdSchema,
  deleteEssay: fileIdSchema,
  deleteAssessment: assessmentIdSchema,
};

/** One word of letters (apostrophes and hyphens allowed), as the engine's personal dictionary takes it. */
const word = z
  .string({ error: (issue) => says(issue.input === undefined ? 'The word is missing.' : 'The word must be text.') })
  .refine((w) => w.length > 0, { message: says('The word is empty.') })
  .refine((w) => w.length <= LIMITS.word, { message: says(tooLong('The word', LIMITS.word)) })
  // The engine's rule exactly: Unicode Alphabetic characters (Rust's char::is_alphabetic), ' ’ and -.
  .refine((w) => /^[\p{Alphabetic}'’-]+$/u.test(w) && /\p{Alphabetic}/u.test(w), {
    message: says('The word must be one word of letters (apostrophes and hyphens allowed), with no spaces, digits or other signs.'),
  });

/** The argument of each checker action (checkText, addWord, removeWord, listWords). */
export const checkerSchemas = {
  checkText: z.strictObject({
    // Unlike an assessment's text, empty is fine: an empty editor has nothing to underline.
    text: z
      .string({ error: (issue) => says(issue.input === undefined ? `${FIELD_NAMES.text} is missing.` : `${FIELD_NAMES.text} must be text.`) })
      .refine((s) => s.length <= LIMITS.text, { message: says(tooLong(FIELD_NAMES.text, LIMITS.text)) })
      .refine(wellFormed, { message: brokenCharacter(FIELD_NAMES.text) }),
    dialect: dialectSchema.optional(),
  }),
  addWord: word,
  removeWord: word,
  // No argument (the harness's HTTP transport sends null for none).
  listWords: z.null({ error: says('Listing the dictionary takes no argument.') }).optional(),
} as const;

/** A whole number in [min, max], with one plain message for anything else. */
function wholeNumber(min: number, max: number, message: string) {
  const m = says(message);
  return z.number({ error: m }).int({ message: m }).min(min, { message: m }).max(max, { message: m });
}

/** setSettings' argument: some of the settings (the store checks them again). */
export function settingsPatchSchema(cores = availableParallelism()) {
  const { fontSize, threads } = SETTING_RANGES;
  return z.strictObject(
    {
      dialect: dialectSchema.optional(),
      theme: z.enum(['system', 'light', 'dark'], { error: says('The theme must be "system", "light" or "dark".') }).optional(),
      fontSize: wholeNumber(fontSize.min, fontSize.max, `The text size must be a whole number from ${fontSize.min} to ${fontSize.max}.`).optional(),
      threads: wholeNumber(threads.min, cores, `The number of threads must be a whole number from 1 to ${cores} (this computer's cores).`).optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? says('The settings to change must be an object.') : undefined) },
  );
}

// ---- the school server (setProvider, testProvider) ------------------------------------------------
// No message here repeats what was typed: a key put into the wrong field must not come back in an error.

/**
 * A server address: http(s), with a host, no user name or password (the key has its own field), no
 * query or fragment (requests go to `{baseUrl}/chat/completions`). Empty is allowed where the provider is
 * local (the field may be cleared); setProvider requires it for a school server.
 */
function serverAddress() {
  return z
    .string({ error: (issue) => (issue.input === undefined ? ENTER_ADDRESS : says('The server address must be text.')) })
    .trim()
    .max(2048, { message: says('The server address is too long: the limit is 2,048 characters.') })
    .superRefine((s, ctx) => {
      if (s === '') return;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: says(SERVER_EXAMPLE) });
        return;
      }
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') ctx.addIssue({ code: 'custom', message: says(SERVER_EXAMPLE) });
      else if (u.username !== '' || u.password !== '') ctx.addIssue({ code: 'custom', message: says(NO_SECRET_IN_ADDRESS) });
      else if (u.search !== '' || u.hash !== '' || /[?#]/.test(s)) ctx.addIssue({ code: 'custom', message: says(NO_QUERY_IN_ADDRESS) });
    });
}
const ENTER_ADDRESS = says("Enter the school server's address first, for example https://llm.school.example/v1.");
const SERVER_EXAMPLE = says('The server address must start with http:// or https://, for example https://llm.school.example/v1.');
const NO_SECRET_IN_ADDRESS = says('The server address must not contain a user name or password: put the key in the API key field.');
const NO_QUERY_IN_ADDRESS = says('The server address must not contain ? or #: give the API root, for example https://llm.school.example/v1, and put the key in the API key field.');

/** An API key as typed (spaces around it are dropped): one word of printable characters. */
const apiKey = z
  .string({ error: says('The API key must be text.') })
  .trim()
  .min(1, { message: says('The API key is empty.') })
  .max(4096, { message: says('The API key is too long: the limit is 4,096 characters.') })
  .refine((k) => !/[\s\p{Cc}]/u.test(k), { message: says('The API key must be one word, without spaces or line breaks: copy it again.') });

export const providerKindSchema = z.enum(['local', 'openai-compatible'], {
  error: says('The provider must be "local" (this computer) or "openai-compatible" (a school server).'),
});

/** setProvider's argument: some of the settings, a new key or clearKey (the provider store checks the rest). */
export const providerPatchSchema = z
  .strictObject(
    {
      kind: providerKindSchema.optional(),
      baseUrl: serverAddress().optional(),
      model: z
        .string({ error: says('The model name must be text.') })
        .trim()
        .max(256, { message: says('The model name is too long: the limit is 256 characters.') })
        .optional(),
      fallbackToLocal: z.boolean({ error: says('The fallback setting must be on or off (true or false).') }).optional(),
      timeoutMs: wholeNumber(100, 600_000, 'The time limit must be a whole number of milliseconds from 100 to 600,000.').optional(),
      apiKey: apiKey.optional(),
      clearKey: z.literal(true, { error: says('Clearing the saved key takes true.') }).optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? says('The school server settings to change must be an object.') : undefined) },
  )
  .refine((p) => !(p.apiKey !== undefined && p.clearKey), { message: says('Give a new API key or clear the saved one, not both.') });

/** testProvider's argument: the address (required) and a key typed (else main uses the saved one). */
export const providerTestSchema = z.strictObject(
  {
    baseUrl: serverAddress().refine((s) => s !== '', { message: ENTER_ADDRESS }),
    apiKey: apiKey.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? says("Testing a school server needs its address.") : undefined) },
);

/** setUpdates' argument: automatic updates on or off. */
export const updatesPatchSchema = z.strictObject(
  { auto: z.boolean({ error: says('Automatic updates must be on or off (true or false).') }) },
  { error: (issue) => (issue.code === 'invalid_type' ? says('The update setting to change must be an object.') : undefined) },
);

/** getSettings and openHistoryFolder take no argument (the harness's HTTP transport sends null for none). */
export const noArgumentSchema = z.null({ error: says('This takes no argument.') }).optional();

/** A model's id (removeModel, selectModel, downloadModel); the manager's own are at most 100 characters. */
export const modelIdSchema = z
  .string({ error: (issue) => says(issue.input === undefined ? "The model's id is missing." : "The model's id must be text.") })
  .refine((s) => s.trim().length > 0, { message: says("The model's id is empty.") })
  .refine((s) => s.length <= 200, { message: says("The model's id is too long: the limit is 200 characters.") });

/** downloadModel's {url, sha256?, sizeBytes?, name?} (the manager checks the address and the rest again). */
export const downloadSpecSchema = z.strictObject(
  {
    url: z
      .string({ error: says('The download address must be text.') })
      .min(1, { message: says('The download address is empty.') })
      .max(2048, { message: says('The download address is too long: the limit is 2,048 characters.') }),
    sha256: z
      .string({ error: says('sha256 must be 64 hex digits.') })
      .regex(/^[0-9a-fA-F]{64}$/, { message: says('sha256 must be 64 hex digits.') })
      .optional(),
    sizeBytes: z
      .number({ error: says('sizeBytes must be a positive whole number.') })
      .int({ message: says('sizeBytes must be a positive whole number.') })
      .positive({ message: says('sizeBytes must be a positive whole number.') })
      .optional(),
    name: z
      .string({ error: says("The model's name must be text.") })
      .max(200, { message: says("The model's name is too long: the limit is 200 characters.") })
      .optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? says('A download needs a model id or {url, sha256, sizeBytes}.') : undefined) },
);

/** downloadModel's argument: a catalogue id, or a spec. Answers the parsed value or a plain message. */
export function parseDownloadTarget(value: unknown): { ok: true; data: string | z.infer<typeof downloadSpecSchema> } | { ok: false; message: string } {
  const r = typeof value === 'string' ? modelIdSchema.safeParse(value) : downloadSpecSchema.safeParse(value);
  return r.success ? { ok: true, data: r.data } : { ok: false, message: describeIssue(r.error) };
}

export const envelopeSchema = z.strictObject({
  ticket: z
    .string({ error: says("The request's ticket must be text.") })
    .min(1, { message: says(`The request's ticket must be 1 to ${LIMITS.ticket} characters.`) })
    .max(LIMITS.ticket, { message: says(`The request's ticket must be 1 to ${LIMITS.ticket} characters.`) }),
  payload: z.unknown(),
  stream: z.boolean(),
});

export const ticketSchema = envelopeSchema.shape.ticket;

/** The first problem of a failed parse, as one readable sentence (no input values in it). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  if (OURS.has(issue.message)) return issue.message;
  if (issue.path.length === 0 && issue.code === 'invalid_type') return 'The request must be an object.';
  if (issue.code === 'unrecognized_keys') {
    // The names come from the request (only a page that is not ours sends them): a few, clipped, so a
    // 1 MB key gives a short message.
    const names = issue.keys.slice(0, 3).map((k) => `"${shown(k)}"`);
    const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
    return `The request has an unknown field ${names.join(', ')}${more}.`;
  }
  // zod's own wording (a request no screen of ours sends): said of what it is about, in words.
  const top = issue.path[0];
  const what = top === 'comments' ? FIELD_NAMES.comment : (FIELD_NAMES as Record<string, string>)[String(top)] ?? 'The request';
  return `${what} is not valid (${issue.message.replace(/\.$/, '')}).`;
}

/** The declared shape of an assessment (what assessEssay returns); the evaluation checks results against it. */
export const assessmentSchema = z.strictObject({
  comments: z.array(
    z.strictObject({
      content: z.string().refine((s) => s.trim().length > 0, 'empty comment'),
      kind: z.enum(['inline', 'block']),
      anchor: anchor.optional(),
      source: z.enum(['rules', 'model']).optional(),
      rule: z.string().optional(),
      category: categorySchema.optional(),
      suggestions: z.array(z.string()).optional(),
    }),
  ),
  summary: z.string().refine((s) => s.trim().length > 0, 'empty summary'),
  metrics: z.record(z.string(), z.number()),
  dialect: dialectSchema.exclude(['auto']).optional(),
  /** Present when the model read only the start of the essay: where that part ends (UTF-16). */
  tutorRead: z.strictObject({ end: z.number().int().nonnegative() }).optional(),
  /** Whether it went into the history (false: healthCheck().store.error says why). */
  saved: z.boolean(),
  /** Tokens the model ran (prompts not cached, and what it wrote). */
  usage: z.strictObject({ promptTokens: z.number().int().nonnegative(), generatedTokens: z.number().int().nonnegative() }),
  /** Who wrote the model's part, and why this computer did when the school server failed. */
  answeredBy: z.enum(['local', 'openai-compatible']),
  fallbackReason: z.string().optional(),
});
