import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Fields every log line written in an async context carries: the request id
 * while a request is handled (http), the execution and task while a job runs
 * (jobs/). Services log through the process logger they were built with, so
 * the fields come from the context, not from a logger passed down.
 */
const context = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** Marks request.log, whose own bindings already hold the request id: the context must not add it twice. */
const BOUND_TO_REQUEST = Symbol('bound to a request');

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // A fresh object: pino merges the line's own fields into what the mixin returns.
      mixin: (_fields, _level, logger) => ((logger as { [BOUND_TO_REQUEST]?: boolean })[BOUND_TO_REQUEST] ? {} : { ...context.getStore() }),
    },
    destination,
  );
}

/** Runs `fn` with `fields` (added to any of the surrounding context) on every log line it writes, awaited work included. */
export function withLogContext<T>(fields: Record<string, string>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** Fastify's childLoggerFactory: request.log, as Fastify makes it, marked so the context's fields are not repeated. */
export function requestLogger(logger: Logger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): Logger {
  const child = logger.child(bindings, options);
  (child as { [BOUND_TO_REQUEST]?: boolean })[BOUND_TO_REQUEST] = true;
  return child;
}
