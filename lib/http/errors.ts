/**
 * An expected failure: it becomes `{"error": {"code", "message", "fields"?}}` on the API and an
 * inline message in the UI, with its status. Anything else thrown is a bug, logged and shown as a
 * plain 500 (see the Worker's one error handler).
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 416 | 422 | 429 | 503,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A save based on an older version: carries the current version so the client can show both. */
export class EditConflict extends AppError {
  constructor(
    message: string,
    readonly current: unknown,
  ) {
    super(409, "edit_conflict", message);
  }
}

export const notFound = (what = "Not found") => new AppError(404, "not_found", what);
export const forbidden = (message = "You do not have permission to do that.") =>
  new AppError(403, "forbidden", message);

export type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string>; current?: unknown } };

export function errorBody(error: AppError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.fields ? { fields: error.fields } : {}),
      ...(error instanceof EditConflict ? { current: error.current } : {}),
    },
  };
}
