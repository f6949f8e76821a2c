// The payload schemas main checks before anything reaches the engine (zod). The limits match the
// engine's own (native/src/tasks/requests.rs), in UTF-16 code units like JavaScript's string.length.
import { z } from 'zod';
import { CATEGORIES, DIALECTS, type HistoryAction } from '../preload/api';

/**
 * A copy of the addon's `LIMITS` (native/index.js, from Rust's requests.rs), not an import: main must not
 * load the addon when this module loads (electron/main.ts scrubs SAMSARA_* first, then requires it from
 * its path; a static import would also bundle native/index.js into dist/). tests/service/limits.test.ts
 * fails when a number here differs from the addon's for the same key. `ticket` is main's own (no
 * engine key).
 */
export const LIMITS = {
  text: 100_000,
  message: 8_000,
  instruction: 2_000,
  fileId: 200,
  comments: 200,
  ticket: 100,
  /** A comment's source and rule. */
  label: 64,
  /** Suggestions per comment (each at most `message` characters). */
  suggestions: 10,
  /** A personal-dictionary word. */
  word: 64,
} as const;

/** The dialect setting (the one list is DIALECTS in preload/api.ts). */
export const dialectSchema = z.enum(DIALECTS, {
  error: () => `dialect must be one of ${DIALECTS.map((d) => `"${d}"`).join(', ')}.`,
});
/** A comment's category (the one list is CATEGORIES in preload/api.ts). */
export const categorySchema = z.enum(CATEGORIES, {
  error: () => `category must be one of ${CATEGORIES.map((c) => `"${c}"`).join(', ')}.`,
});

/** A string that is not empty or only whitespace, with a size limit named in the message. */
function text(name: string, max: number) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is missing.` : `${name} must be a string.`) })
    .refine((s) => s.trim().length > 0, { message: `${name} must not be empty.` })
    .refine((s) => s.length <= max, {
      message: `${name} is longer than ${max.toLocaleString('en-US')} characters.`,
    })
    .refine(wellFormed, { message: brokenCharacter(name) });
}

/** Text without a lone UTF-16 surrogate (half of an emoji, from a bad copy): it can't be encoded. */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function brokenCharacter(name: string): string {
  return `${name} contains a broken character (half of an emoji or symbol); copy the text again or delete that character.`;
}

/** A name from the request (an unknown field), short enough to show. */
function shown(name: string): string {
  return name.length <= 40 ? name : `${name.slice(0, 39)}…`;
}

const anchor = z.strictObject({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  quote: z.string().max(LIMITS.text),
});

const suggestions = z
  .array(z.string().max(LIMITS.message, { message: `A suggestion is longer than ${LIMITS.message.toLocaleString('en-US')} characters.` }))
  .max(LIMITS.suggestions, { message: `A comment has at most ${LIMITS.suggestions} suggestions.` });

const comment = z.strictObject({
  content: text('comments[].content', LIMITS.message),
  kind: z.enum(['inline', 'block']),
  anchor: anchor.optional(),
  source: z.string().max(LIMITS.label).optional(),
  rule: z.string().max(LIMITS.label).optional(),
  category: categorySchema.optional(),
  suggestions: suggestions.optional(),
});

export const payloadSchemas = {
  assessEssay: z.strictObject({
    fileId: text('fileId', LIMITS.fileId),
    text: text('text', LIMITS.text),
    instruction: text('instruction', LIMITS.instruction).optional(),
    dialect: dialectSchema.optional(),
  }),
  chat: z.strictObject({
    fileId: text('fileId', LIMITS.fileId).optional(),
    message: text('message', LIMITS.message),
    contextText: text('contextText', LIMITS.text).optional(),
  }),
  generateFeedbackSummary: z.strictObject({
    fileId: text('fileId', LIMITS.fileId),
    text: text('text', LIMITS.text),
    comments: z.array(comment).max(LIMITS.comments).optional(),
  }),
} as const;

/** The argument of listAssessments, listChat, clearChat and deleteEssay. */
export const fileIdSchema = text('fileId', LIMITS.fileId);

/** deleteAssessment's argument: an assessment's `id` from listAssessments (the engine allows fileId's length). */
export const assessmentIdSchema = text('id', LIMITS.fileId);

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
  .string({ error: (issue) => (issue.input === undefined ? 'word is missing.' : 'word must be a string.') })
  .refine((w) => w.length > 0, { message: 'word must not be empty.' })
  .refine((w) => w.length <= LIMITS.word, { message: `word is longer than ${LIMITS.word} characters.` })
  // The engine's rule exactly: Unicode Alphabetic characters (Rust's char::is_alphabetic), ' ’ and -.
  .refine((w) => /^[\p{Alphabetic}'’-]+$/u.test(w) && /\p{Alphabetic}/u.test(w), {
    message: 'word must be one word of letters (apostrophes and hyphens allowed), with no spaces, digits or other signs.',
  });

/** The argument of each checker action (checkText, addWord, removeWord, listWords). */
export const checkerSchemas = {
  checkText: z.strictObject({
    // Unlike an assessment's text, empty is fine: an empty editor has nothing to underline.
    text: z
      .string({ error: (issue) => (issue.input === undefined ? 'text is missing.' : 'text must be a string.') })
      .refine((s) => s.length <= LIMITS.text, {
        message: `text is longer than ${LIMITS.text.toLocaleString('en-US')} characters.`,
      })
      .refine(wellFormed, { message: brokenCharacter('text') }),
    dialect: dialectSchema.optional(),
  }),
  addWord: word,
  removeWord: word,
  // No argument (the harness's HTTP transport sends null for none).
  listWords: z.null({ error: 'listWords takes no argument.' }).optional(),
} as const;

export const envelopeSchema = z.strictObject({
  ticket: z.string().min(1).max(LIMITS.ticket),
  payload: z.unknown(),
  stream: z.boolean(),
});

export const ticketSchema = envelopeSchema.shape.ticket;

/** The first problem of a failed parse, as one readable sentence (no input values in it). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  if (issue.path.length === 0 && issue.code === 'invalid_type') return 'The payload must be an object.';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'payload';
  if (issue.code === 'unrecognized_keys') {
    // The names come from the request: a few, clipped, so a 1 MB key gives a short message.
    const names = issue.keys.slice(0, 3).map((k) => `"${shown(k)}"`);
    const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
    return `${shown(where)}: unknown field ${names.join(', ')}${more}.`;
  }
  return issue.message.includes(where.split('.').pop() ?? where) ? issue.message : `${where}: ${issue.message}`;
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
  /** Whether it went into the history (false: healthCheck().store.error says why). */
  saved: z.boolean(),
});
