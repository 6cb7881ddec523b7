import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from './request-id.ts';

/** Node's parser errors and the status each deserves; anything else it refuses is a plain 400. */
function statusOf(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_URI_OVERFLOW') return 414;
  return 400;
}

/**
 * Answers what Node's HTTP parser refuses before any route sees it
 * (oversize headers, bad framing, invalid characters) in the error
 * envelope every other answer uses, with a request id, then closes the
 * connection: after a framing error nothing more on it can be parsed.
 */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already under way on this connection (its request body turned malformed): adding another would garble it.
  const pending = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
  if (socket.writable && !pending?.headersSent) {
    const status = statusOf(error.code);
    const id = randomUUID();
    this.log.info({ err: error, reqId: id }, 'malformed HTTP request');
    const message = status === 431 ? 'request headers too large' : status === 414 ? 'request URI too long' : status === 408 ? 'request timed out' : `malformed HTTP request (${error.code ?? 'parse error'})`;
    const body = JSON.stringify({ errors: [{ code: 'BAD_REQUEST', message }] });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.end();
    return;
  }
  socket.destroy(error);
}
