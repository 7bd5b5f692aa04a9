/** Helpers of the inference tests. */
import { createServer } from 'node:net';

/** A local port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * fetch that calls `onContent` the first time the response body carries a content chunk (a completion's
 * `"text"` or a chat delta's `"content"`), before the client reads it: lets a test act on "the stream has
 * started" instead of after a guessed delay.
 */
export function fetchNotifyingFirstContent(onContent: () => void): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    let notified = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read().catch((err) => {
          controller.error(err);
          return { done: true, value: undefined };
        });
        if (done) return void controller.close();
        controller.enqueue(value);
        if (!notified) {
          seen += decoder.decode(value, { stream: true });
          if (/"(text|content)":"[^"]/.test(seen)) {
            notified = true;
            onContent();
          }
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

/** Resolves once process `pid` is gone (signal 0 fails with ESRCH); polls, with no time limit. */
export async function untilGone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
