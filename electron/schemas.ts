// The payload schemas main checks before anything reaches the engine (zod). The limits match the
// engine's own (native/src/tasks/requests.rs), in UTF-16 code units like JavaScript's string.length.
import { z } from 'zod';

export const LIMITS = {
  text: 100_000,
  message: 8_000,
  instruction: 2_000,
  fileId: 200,
  comments: 200,
  ticket: 100,
} as const;

/** A string that is not empty or only whitespace, with a size limit named in the message. */
function text(name: string, max: number) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is missing.` : `${name} must be a string.`) })
    .refine((s) => s.trim().length > 0, { message: `${name} must not be empty.` })
    .refine((s) => s.length <= max, {
      message: `${name} is longer than ${max.toLocaleString('en-US')} characters.`,
    });
}

const anchor = z.strictObject({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  quote: z.string().max(LIMITS.text),
});

const comment = z.strictObject({
  content: text('comments[].content', LIMITS.message),
  kind: z.enum(['inline', 'block']),
  anchor: anchor.optional(),
  source: z.string().max(64).optional(),
  rule: z.string().max(64).optional(),
});

export const payloadSchemas = {
  assessEssay: z.strictObject({
    fileId: text('fileId', LIMITS.fileId),
    text: text('text', LIMITS.text),
    instruction: text('instruction', LIMITS.instruction).optional(),
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

/** The argument of listAssessments, listChat and clearChat. */
export const fileIdSchema = text('fileId', LIMITS.fileId);

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
  if (issue.code === 'unrecognized_keys') return `${where}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}.`;
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
    }),
  ),
  summary: z.string().refine((s) => s.trim().length > 0, 'empty summary'),
  metrics: z.record(z.string(), z.number()),
});
