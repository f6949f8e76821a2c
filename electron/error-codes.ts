// The engine's error codes as main sees them: one list for the service and the school-server settings.
import type { ErrorCode } from '../preload/api';

/**
 * Every code once, in the order of native/src/error.rs: `satisfies` refuses an unknown code and the
 * check below a missing one (tests/contract ties ErrorCode in native/index.d.ts to the Rust enum).
 */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'ENGINE_TIMEOUT',
  'ENGINE_DOWN',
  'ENGINE_INVALID_RESPONSE',
  'ENGINE_ACTION_FAILED',
  'ENGINE_BUSY',
  'CANCELLED',
] as const satisfies readonly ErrorCode[];
const errorCodesComplete: [ErrorCode] extends [(typeof ERROR_CODES)[number]] ? true : false = true;
void errorCodesComplete;

/** The code an error carries, if it is one of ours. */
export function errorCodeOf(e: unknown): ErrorCode | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return ERROR_CODES.includes(code as ErrorCode) ? (code as ErrorCode) : undefined;
}
