import type { Logger } from '@fleet/logger';
import type { ContactCheckAnswer, ContactsCheckJob, SessionRequests } from '@fleet/state';
import type { SessionRun } from './session-run';

/** How long an answer is kept for the ingress to read. */
const REPLY_TTL_SECONDS = 60;

/**
 * A contacts check: which of the request's phones are on WhatsApp, asked over the session's socket
 * (`run`, if it runs here). The answer, or why there is none (`not_connected`, `check_failed`), is
 * written for the ingress that waits for it; a request whose asker gave up (past its deadline, or
 * expired) is dropped.
 */
export async function answerContactsCheck(requests: SessionRequests, job: ContactsCheckJob, run: SessionRun | undefined, logger: Logger): Promise<void> {
  if (Date.now() > job.deadline) return;
  const input = await requests.input<{ phones: string[] }>(job.requestId);
  if (!input) return;
  const incarnationOk =
    job.incarnation === undefined || job.incarnation === '' || run?.record.incarnation === '' || run?.record.incarnation === job.incarnation;
  let answer: ContactCheckAnswer;
  if (!run || run.state !== 'connected' || !incarnationOk) {
    answer = { error: 'not_connected', status: run?.status ?? 'not_running' };
  } else {
    try {
      answer = { results: await run.checkContacts(input.phones) };
    } catch (error) {
      logger.warn('contacts check failed', { sessionId: job.sessionId, error });
      answer = { error: 'check_failed' };
    }
  }
  await requests.reply(job.requestId, answer, REPLY_TTL_SECONDS);
}
