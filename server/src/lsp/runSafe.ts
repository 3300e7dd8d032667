/**
 * Request-handler wrapper: runs the handler on a later turn of the event loop (so a cancellation
 * that arrives meanwhile is seen), answers `RequestCancelled` when the client gave up, and turns
 * an exception into a logged error plus a harmless default answer instead of a dead server.
 */
import { type CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver';

/** Where errors are reported (the connection's console in the server). */
export interface ErrorLog {
  error(message: string): void;
}

/** Formats an exception with its stack, prefixed by what was being done. */
export function formatError(message: string, err: unknown): string {
  if (err instanceof Error) return `${message}: ${err.message}\n${err.stack ?? ''}`;
  if (typeof err === 'string') return `${message}: ${err}`;
  return message;
}

/** Next turn of the event loop (setImmediate in Node, a zero timeout in a browser worker). */
const defer: (f: () => void) => void =
  typeof setImmediate === 'function' ? (f) => setImmediate(f) : (f) => setTimeout(f, 0);

function cancelled<T>(): ResponseError<T> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled');
}

/**
 * Runs `func` for a request. Resolves with its result, with `errorValue` (after logging) when it
 * throws or rejects, or with a `RequestCancelled` error when `token` was cancelled before or
 * while it ran.
 */
export function runSafe<T, E = void>(
  log: ErrorLog,
  func: () => T | Promise<T>,
  errorValue: T,
  errorMessage: string,
  token: CancellationToken,
): Promise<T | ResponseError<E>> {
  return new Promise((resolve) => {
    defer(() => {
      if (token.isCancellationRequested) {
        resolve(cancelled());
        return;
      }
      let result: T | Promise<T>;
      try {
        result = func();
      } catch (e) {
        log.error(formatError(errorMessage, e));
        resolve(errorValue);
        return;
      }
      Promise.resolve(result).then(
        (value) => resolve(token.isCancellationRequested ? cancelled() : value),
        (e) => {
          log.error(formatError(errorMessage, e));
          resolve(errorValue);
        },
      );
    });
  });
}
