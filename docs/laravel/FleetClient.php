<?php

namespace App\Services\Fleet;

use GuzzleHttp\Psr7\MimeType;
use Illuminate\Http\Client\ConnectionException;
use Illuminate\Http\Client\Factory;
use Illuminate\Http\Client\PendingRequest;
use Illuminate\Http\Client\Response;
use InvalidArgumentException;
use RuntimeException;

/**
 * Client of the Fleet ingress, built on Laravel's HTTP client: one method per endpoint. It replaces
 * the checklist's InstanceRouter + ProxyController: Fleet routes every call to the right worker.
 *
 * In a Laravel app: `new FleetClient(config('fleet.url'), config('fleet.api_key'), app(Factory::class))`
 * (or bind it as a singleton in a service provider). Every method returns the decoded JSON answer
 * and throws FleetApiException on an error answer (its errorCode is the stable code of docs/errors.md).
 */
class FleetClient
{
    private Factory $http;

    public function __construct(
        private string $baseUrl,
        private string $apiKey,
        ?Factory $http = null,
        private int $timeoutSeconds = 10,
    ) {
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->http = $http ?? new Factory();
    }

    // Sessions ---------------------------------------------------------------------------------

    /**
     * POST /api/sessions/create: 202 when new, 200 when it already existed. `$phoneNumber` (E.164) links
     * it by pairing code instead of a QR scan (the code arrives as session.pairing_code and from
     * pairingCode()); `$proxyUrl` sends its WebSocket and media through a proxy (see setProxy()). Both
     * apply to a new session only.
     */
    public function createSession(string $sessionId, int $workspaceId, string|int $accountId, ?string $phoneNumber = null, ?string $proxyUrl = null): array
    {
        return $this->call('post', '/api/sessions/create', array_filter([
            'session_id' => $sessionId,
            'workspace_id' => $workspaceId,
            'account_id' => (string) $accountId,
            'phone_number' => $phoneNumber,
            'proxy_url' => $proxyUrl,
        ], fn ($value) => $value !== null));
    }

    /**
     * GET /api/sessions: one page of sessions, {sessions: [Session, …], next_cursor}. `$workspaceId`:
     * that workspace's (a workspace key must give its own; an admin key may leave it out: the whole
     * fleet); `$status`: only sessions in it (starting, qr, connected, disconnected, logged_out, failed,
     * stopped, deleting); `$search`: ids, or phone numbers, starting with it. Pass `next_cursor` back
     * unchanged as `$cursor` for the next page (it is null on the last); `$limit` 1-200.
     */
    public function listSessions(?int $workspaceId = null, ?string $status = null, ?string $cursor = null, int $limit = 50, ?string $search = null): array
    {
        $query = array_filter(['workspace_id' => $workspaceId, 'status' => $status, 'search' => $search, 'cursor' => $cursor, 'limit' => $limit], fn ($value) => $value !== null);
        return $this->call('get', '/api/sessions', $query);
    }

    /** Every session listSessions() would give, page after page (a generator: one page in memory at a time). */
    public function allSessions(?int $workspaceId = null, ?string $status = null, int $pageSize = 200, ?string $search = null): \Generator
    {
        $cursor = null;
        do {
            $page = $this->listSessions($workspaceId, $status, $cursor, $pageSize, $search);
            yield from $page['sessions'];
            $cursor = $page['next_cursor'] ?? null;
        } while ($cursor !== null);
    }

    /** GET /api/sessions/{id}/status */
    public function sessionStatus(string $sessionId): array
    {
        return $this->call('get', '/api/sessions/' . rawurlencode($sessionId) . '/status');
    }

    /**
     * GET /api/sessions/{id}/qr?format=raw: the pending QR, {session_id, format, qr, expires_at}
     * (QR_NOT_AVAILABLE when there is none). With $waitSeconds (1-30) it is a long poll: it answers as
     * soon as a QR is pending, or QR_NOT_AVAILABLE after that long. The request's timeout is raised
     * above the wait (a client that gives up first never sees the answer).
     */
    public function sessionQr(string $sessionId, int $waitSeconds = 0): array
    {
        $query = ['format' => 'raw', 'wait' => $waitSeconds];
        return $this->call('get', '/api/sessions/' . rawurlencode($sessionId) . '/qr', $query, $waitSeconds + 5);
    }

    /** POST /api/sessions/{id}/start */
    public function startSession(string $sessionId): array
    {
        return $this->call('post', '/api/sessions/' . rawurlencode($sessionId) . '/start', []);
    }

    /** POST /api/sessions/{id}/stop */
    public function stopSession(string $sessionId): array
    {
        return $this->call('post', '/api/sessions/' . rawurlencode($sessionId) . '/stop', []);
    }

    /**
     * POST /api/sessions/{id}/restart: a new socket from the same state (no new scan), status
     * starting → connected; a session not running is started.
     */
    public function restartSession(string $sessionId): array
    {
        return $this->call('post', '/api/sessions/' . rawurlencode($sessionId) . '/restart', []);
    }

    /**
     * POST /api/sessions/{id}/logout: unlinks the device from the phone and keeps the session (status
     * logged_out once the worker is done; link it again with startSession() or requestPairingCode()).
     * Messages still waiting fail (session_logged_out). Until it is logged_out, start, stop, restart,
     * pair and setProxy throw SESSION_LOGGING_OUT.
     */
    public function logoutSession(string $sessionId): array
    {
        return $this->call('post', '/api/sessions/' . rawurlencode($sessionId) . '/logout', []);
    }

    /**
     * POST /api/sessions/{id}/pair: link the session by pairing code with `$phoneNumber` (E.164)
     * instead of a QR scan. The code comes as a session.pairing_code event and from pairingCode(); the
     * user enters it on the phone (Linked devices → Link with phone number instead).
     * SESSION_ALREADY_LINKED when it is linked: logoutSession() first.
     */
    public function requestPairingCode(string $sessionId, string $phoneNumber): array
    {
        return $this->call('post', '/api/sessions/' . rawurlencode($sessionId) . '/pair', ['phone_number' => $phoneNumber]);
    }

    /**
     * GET /api/sessions/{id}/pairing-code: the pending code, {session_id, code, phone_number,
     * expires_at}, or PAIRING_CODE_NOT_AVAILABLE. With `$waitSeconds` (1-30) a long poll, as sessionQr().
     */
    public function pairingCode(string $sessionId, int $waitSeconds = 0): array
    {
        return $this->call('get', '/api/sessions/' . rawurlencode($sessionId) . '/pairing-code', ['wait' => $waitSeconds], $waitSeconds + 5);
    }

    /**
     * PUT /api/sessions/{id}/proxy: the session's WebSocket and media go through `$proxyUrl`
     * (`http://`, `https://`, `socks5://`, `socks5h://`, credentials in the URL), or directly with null;
     * a running session restarts to use it. The URL is stored encrypted and never shown again: the
     * answer's `proxy` is {configured, scheme, host}. A proxy that is not a public host (unless the
     * operator's PROXY_ALLOW names it) throws PROXY_URL_REFUSED.
     */
    public function setProxy(string $sessionId, ?string $proxyUrl): array
    {
        return $this->call('put', '/api/sessions/' . rawurlencode($sessionId) . '/proxy', ['proxy_url' => $proxyUrl]);
    }

    /** DELETE /api/sessions/{id}: logs the device out and removes the session. */
    public function deleteSession(string $sessionId): array
    {
        return $this->call('delete', '/api/sessions/' . rawurlencode($sessionId));
    }

    // Contacts ---------------------------------------------------------------------------------

    /**
     * GET /api/contacts/check: which of `$phones` (1-50, E.164) are on WhatsApp, asked by the connected
     * session `$sessionId`: {results: [{phone, exists, jid}, …]} in the order asked.
     * SESSION_NOT_CONNECTED unless it is connected; waits up to 20 s for WhatsApp.
     */
    public function checkContacts(string $sessionId, array $phones): array
    {
        return $this->call('get', '/api/contacts/check', ['session_id' => $sessionId, 'phones' => implode(',', $phones)], 25);
    }

    // Messages ---------------------------------------------------------------------------------
    //
    // Every send answers the queued message (202: `message_id`, `status: "queued"`, `type`,
    // `duplicate: false`), or with the same $idempotencyKey again the original message as it is now
    // (`duplicate: true`; nothing is sent twice). Everything is checked before anything is queued: a
    // bad request throws FleetApiException with the code (VALIDATION_FAILED, MEDIA_TYPE_NOT_ALLOWED,
    // MEDIA_TOO_LARGE, MESSAGE_NOT_FOUND for an unknown reply_to, …). $to is a phone number
    // (`+15551234567`), a user JID or a group JID (`…@g.us`). $replyTo quotes a message of the session
    // (one it sent, or received); $mentions are phone numbers, named in the text as `@<number>`.

    /** POST /api/messages/send with a text. */
    public function sendText(string $sessionId, string $to, string $text, ?string $replyTo = null, array $mentions = [], ?string $idempotencyKey = null): array
    {
        return $this->send($sessionId, $to, ['type' => 'text', 'text' => $text] + $this->context($replyTo, $mentions), $idempotencyKey);
    }

    /** The text send of earlier versions of this client (sendText without reply or mentions). */
    public function sendMessage(string $sessionId, string $to, string $text, ?string $idempotencyKey = null): array
    {
        return $this->sendText($sessionId, $to, $text, idempotencyKey: $idempotencyKey);
    }

    /** An image (jpeg, png, webp; 16 MiB) with an optional caption. */
    public function sendImage(string $sessionId, string $to, MediaSource $media, ?string $caption = null, ?string $replyTo = null, array $mentions = [], ?string $idempotencyKey = null): array
    {
        return $this->sendMedia($sessionId, $to, 'image', $media, ['text' => $caption], $replyTo, $mentions, $idempotencyKey);
    }

    /** A video (mp4, 3gpp; 16 MiB) with an optional caption. */
    public function sendVideo(string $sessionId, string $to, MediaSource $media, ?string $caption = null, ?string $replyTo = null, array $mentions = [], ?string $idempotencyKey = null): array
    {
        return $this->sendMedia($sessionId, $to, 'video', $media, ['text' => $caption], $replyTo, $mentions, $idempotencyKey);
    }

    /** An audio (aac, mp4, mpeg, amr, ogg; 16 MiB); `$voice`: as a voice note (push-to-talk, ogg/opus). */
    public function sendAudio(string $sessionId, string $to, MediaSource $media, bool $voice = false, ?string $replyTo = null, ?string $idempotencyKey = null): array
    {
        return $this->sendMedia($sessionId, $to, 'audio', $media, ['voice' => $voice ? true : null], $replyTo, [], $idempotencyKey);
    }

    /** A voice note: sendAudio() with `$voice`. */
    public function sendVoiceNote(string $sessionId, string $to, MediaSource $media, ?string $replyTo = null, ?string $idempotencyKey = null): array
    {
        return $this->sendAudio($sessionId, $to, $media, true, $replyTo, $idempotencyKey);
    }

    /** A document (any mimetype; 100 MiB): `$filename` is what the recipient sees (else the upload's). */
    public function sendDocument(string $sessionId, string $to, MediaSource $media, ?string $filename = null, ?string $caption = null, ?string $replyTo = null, array $mentions = [], ?string $idempotencyKey = null): array
    {
        return $this->sendMedia($sessionId, $to, 'document', $media, ['filename' => $filename, 'text' => $caption], $replyTo, $mentions, $idempotencyKey);
    }

    /** A sticker (webp; 500 KiB). */
    public function sendSticker(string $sessionId, string $to, MediaSource $media, ?string $replyTo = null, ?string $idempotencyKey = null): array
    {
        return $this->sendMedia($sessionId, $to, 'sticker', $media, [], $replyTo, [], $idempotencyKey);
    }

    /** A location pin. */
    public function sendLocation(string $sessionId, string $to, float $latitude, float $longitude, ?string $name = null, ?string $address = null, ?string $replyTo = null, ?string $idempotencyKey = null): array
    {
        $location = array_filter(['latitude' => $latitude, 'longitude' => $longitude, 'name' => $name, 'address' => $address], fn ($value) => $value !== null);
        return $this->send($sessionId, $to, ['type' => 'location', 'location' => $location] + $this->context($replyTo, []), $idempotencyKey);
    }

    /** A contact card: `$vcard` is the vCard text (BEGIN:VCARD … END:VCARD). */
    public function sendContact(string $sessionId, string $to, string $displayName, string $vcard, ?string $replyTo = null, ?string $idempotencyKey = null): array
    {
        return $this->send($sessionId, $to, ['type' => 'contact', 'contact' => ['display_name' => $displayName, 'vcard' => $vcard]] + $this->context($replyTo, []), $idempotencyKey);
    }

    /**
     * A reaction to a message of the session (one it sent and WhatsApp acknowledged, or one it
     * received), in the chat `$to`; an empty `$emoji` removes the session's reaction.
     */
    public function react(string $sessionId, string $to, string $messageId, string $emoji, ?string $idempotencyKey = null): array
    {
        return $this->send($sessionId, $to, ['type' => 'reaction', 'reaction' => ['message_id' => $messageId, 'emoji' => $emoji]], $idempotencyKey);
    }

    /** POST /api/messages/send with a body of your own (the fields of docs/api.md besides session_id and to). */
    public function send(string $sessionId, string $to, array $message, ?string $idempotencyKey = null): array
    {
        $body = ['session_id' => $sessionId, 'to' => $to] + $message;
        if ($idempotencyKey !== null) {
            $body['idempotency_key'] = $idempotencyKey;
        }
        return $this->call('post', '/api/messages/send', $body);
    }

    /** GET /api/messages/{id} */
    public function message(string $messageId): array
    {
        return $this->call('get', '/api/messages/' . rawurlencode($messageId));
    }

    /**
     * PATCH /api/messages/{id}: edits a text the session sent (acknowledged by WhatsApp, within 15
     * minutes). Answers the edit, queued as a message of its own (`type: "edit"`, its own message_id);
     * MESSAGE_NOT_EDITABLE otherwise.
     */
    public function editMessage(string $messageId, string $text): array
    {
        return $this->call('patch', '/api/messages/' . rawurlencode($messageId), ['text' => $text]);
    }

    /**
     * DELETE /api/messages/{id}: deletes a message the session sent, for everyone (within 2 days). A
     * message WhatsApp has is revoked: the answer is the revoke, queued as a message of its own
     * (`type: "revoke"`). One still queued is cancelled instead: the answer is that message, `status:
     * "failed"`, `failed_reason: "cancelled"`. MESSAGE_NOT_REVOCABLE while it is being written.
     */
    public function revokeMessage(string $messageId): array
    {
        return $this->call('delete', '/api/messages/' . rawurlencode($messageId));
    }

    // Media ------------------------------------------------------------------------------------

    /**
     * POST /api/media: uploads a file for `$workspaceId` as media of `$type` (image, video, audio,
     * document, sticker; their limits apply) and answers the Media object (`media_id`, `mimetype`,
     * `size`, `sha256`, `url`, …): send it with MediaSource::uploaded($answer).
     *
     * `$file` is a path or a readable stream (e.g. Storage::readStream(); it is read to its end and
     * closed). The file is streamed, never read whole into memory, when PHP has the curl extension
     * (Guzzle's default handler; without ext-curl Guzzle buffers request bodies). `$mimetype` defaults
     * to a guess from the file name's extension. The timeout covers the whole transfer.
     *
     * @param string|resource $file
     */
    public function uploadMedia(int $workspaceId, string $type, mixed $file, ?string $mimetype = null, ?string $filename = null, int $timeoutSeconds = 300): array
    {
        if (is_string($file)) {
            $handle = @fopen($file, 'rb');
            if ($handle === false) {
                throw new InvalidArgumentException("cannot open {$file}");
            }
            $filename ??= basename($file);
        } elseif (is_resource($file)) {
            $handle = $file;
            $filename ??= basename((string) (stream_get_meta_data($file)['uri'] ?? 'file'));
        } else {
            throw new InvalidArgumentException('uploadMedia takes a path or a stream resource');
        }
        $mimetype ??= MimeType::fromFilename($filename) ?? 'application/octet-stream';
        try {
            // The fields before the file part (Fleet checks them before it takes the bytes): Laravel
            // puts the data fields first and the attached files after them.
            $request = $this->http->withToken($this->apiKey)->acceptJson()->timeout(max($this->timeoutSeconds, $timeoutSeconds))
                ->attach('file', $handle, $filename, ['Content-Type' => $mimetype]);
            return $this->decode($this->attempt(fn () => $request->post($this->baseUrl . '/api/media', [
                'workspace_id' => (string) $workspaceId,
                'type' => $type,
            ])));
        } finally {
            if (is_resource($handle)) {
                fclose($handle);
            }
        }
    }

    /**
     * GET /api/media/{id} (with the API key) into `$to`: a path (written, or removed again on failure)
     * or a writable stream. Streamed in chunks, never held whole in memory; the bytes are checked
     * against the sha256 Fleet sends (ETag). Answers {mimetype, size, sha256, filename}.
     * MEDIA_NOT_FOUND (unknown or expired), MEDIA_NOT_AVAILABLE (inbound media not downloaded yet),
     * MEDIA_HASH_MISMATCH (status 0: the bytes did not match).
     *
     * @param string|resource $to
     */
    public function downloadMedia(string $mediaId, mixed $to, int $timeoutSeconds = 300): array
    {
        return $this->download($this->baseUrl . '/api/media/' . rawurlencode($mediaId), true, $to, null, $timeoutSeconds);
    }

    /**
     * The media of a received message into `$to` (a path or a writable stream): by its signed url
     * while that is fresh (no API key), else by GET /api/media/{id}; checked against the media's
     * sha256. MEDIA_NOT_AVAILABLE (without a request) while the media is `unavailable`: wait for its
     * message.media_available event. Answers {mimetype, size, sha256, filename}.
     *
     * @param string|resource $to
     */
    public function downloadReceivedMedia(ReceivedMedia $media, mixed $to, int $timeoutSeconds = 300): array
    {
        if (!$media->isAvailable()) {
            throw new FleetApiException(409, 'MEDIA_NOT_AVAILABLE', "media {$media->id} is not stored (yet): a message.media_available event follows once it is", ['status' => $media->status]);
        }
        if ($media->urlIsFresh()) {
            return $this->download((string) $media->url, false, $to, $media->sha256, $timeoutSeconds);
        }
        return $this->download($this->baseUrl . '/api/media/' . rawurlencode($media->id), true, $to, $media->sha256, $timeoutSeconds);
    }

    // Webhooks and events ----------------------------------------------------------------------

    /** PUT /api/workspaces/{id}/webhook: where this workspace's events go, and which ones. */
    public function setWebhook(int $workspaceId, string $url, string $secret, array $events = []): array
    {
        return $this->call('put', "/api/workspaces/{$workspaceId}/webhook", ['url' => $url, 'secret' => $secret, 'events' => array_values($events)]);
    }

    /** GET /api/workspaces/{id}/webhook (never includes the secret); null when none is set. */
    public function webhook(int $workspaceId): ?array
    {
        try {
            return $this->call('get', "/api/workspaces/{$workspaceId}/webhook");
        } catch (FleetApiException $e) {
            if ($e->errorCode === 'WEBHOOK_NOT_FOUND') {
                return null;
            }
            throw $e;
        }
    }

    /** DELETE /api/workspaces/{id}/webhook */
    public function deleteWebhook(int $workspaceId): array
    {
        return $this->call('delete', "/api/workspaces/{$workspaceId}/webhook");
    }

    /** GET /api/events: events after sequence `since`, oldest first (catch up after downtime). */
    public function events(int $workspaceId, int $since = 0, int $limit = 100): array
    {
        return $this->call('get', '/api/events', ['workspace_id' => $workspaceId, 'since' => $since, 'limit' => $limit]);
    }

    /** Hands every event after `since` to `$handle`, page by page; returns the last sequence seen. */
    public function catchUp(int $workspaceId, int $since, callable $handle, int $pageSize = 500): int
    {
        do {
            $page = $this->events($workspaceId, $since, $pageSize);
            foreach ($page['events'] as $event) {
                $handle($event);
            }
            $since = $page['next_since'];
        } while (count($page['events']) === $pageSize);
        return $since;
    }

    /** GET /api/workspaces/{id}/dead-letters */
    public function deadLetters(int $workspaceId, int $limit = 100): array
    {
        return $this->call('get', "/api/workspaces/{$workspaceId}/dead-letters", ['limit' => $limit]);
    }

    /** POST /api/workspaces/{id}/dead-letters/replay: the given event ids, or all when empty. */
    public function replayDeadLetters(int $workspaceId, array $eventIds = []): array
    {
        return $this->call('post', "/api/workspaces/{$workspaceId}/dead-letters/replay", ['event_ids' => array_values($eventIds)]);
    }

    // Fleet ------------------------------------------------------------------------------------

    /** GET /api/instances: live workers, their shards, sessions and utilization. */
    public function instances(): array
    {
        return $this->call('get', '/api/instances');
    }

    /** GET /health (no API key needed): status, workers, sessions.total, sessions.utilization. */
    public function health(): array
    {
        $response = $this->request()->get($this->baseUrl . '/health');
        return $response->json() ?? [];
    }

    // ------------------------------------------------------------------------------------------

    private function request(int $minTimeoutSeconds = 0): PendingRequest
    {
        $timeout = max($this->timeoutSeconds, $minTimeoutSeconds);
        return $this->http->withToken($this->apiKey)->acceptJson()->asJson()->timeout($timeout);
    }

    private function call(string $method, string $path, ?array $data = null, int $minTimeoutSeconds = 0): array
    {
        $request = $this->request($minTimeoutSeconds);
        $response = $this->attempt(fn () => $data === null
            ? $request->{$method}($this->baseUrl . $path)
            : $request->{$method}($this->baseUrl . $path, $data));
        return $this->decode($response);
    }

    /** Runs a request; no answer at all (connection refused, timeout) is CONNECTION_FAILED. */
    private function attempt(callable $send): Response
    {
        try {
            return $send();
        } catch (ConnectionException $e) {
            throw new FleetApiException(0, 'CONNECTION_FAILED', $e->getMessage());
        }
    }

    /** The decoded JSON of a successful answer; an error answer as FleetApiException. */
    private function decode(Response $response): array
    {
        if ($response->failed()) {
            throw $this->errorOf($response);
        }
        $json = $response->json();
        return is_array($json) ? $json : [];
    }

    private function errorOf(Response $response): FleetApiException
    {
        $json = json_decode($response->body(), true);
        $error = is_array($json) && is_array($json['error'] ?? null) ? $json['error'] : [];
        return new FleetApiException(
            $response->status(),
            (string) ($error['code'] ?? 'HTTP_' . $response->status()),
            (string) ($error['message'] ?? substr($response->body(), 0, 500)),
            (array) ($error['details'] ?? []),
            $response->header('X-Request-Id') ?: null,
        );
    }

    /**
     * GETs `$url` as a stream and copies it to `$to` in 64 KiB chunks, hashing as it goes. The bytes
     * must match `$expectedSha256` (else the ETag Fleet sends); on any failure a path is removed again.
     *
     * @param string|resource $to
     */
    private function download(string $url, bool $withKey, mixed $to, ?string $expectedSha256, int $timeoutSeconds): array
    {
        $request = $this->http->accept('*/*')->timeout(max($this->timeoutSeconds, $timeoutSeconds))->withOptions(['stream' => true]);
        if ($withKey) {
            $request = $request->withToken($this->apiKey);
        }
        $response = $this->attempt(fn () => $request->get($url));
        if ($response->failed()) {
            throw $this->errorOf($response);
        }
        $body = $response->toPsrResponse()->getBody();
        $handle = is_string($to) ? @fopen($to, 'wb') : $to;
        if (!is_resource($handle)) {
            $body->close();
            throw new InvalidArgumentException(is_string($to) ? "cannot write {$to}" : 'download to a path or a writable stream resource');
        }
        $hash = hash_init('sha256');
        $size = 0;
        $done = false;
        try {
            while (!$body->eof()) {
                $chunk = $body->read(65536);
                if ($chunk === '') {
                    if ($body->getMetadata('timed_out')) {
                        throw new FleetApiException(0, 'CONNECTION_FAILED', "the download stalled after {$size} bytes (timeout)");
                    }
                    continue;
                }
                hash_update($hash, $chunk);
                $size += strlen($chunk);
                for ($written = 0; $written < strlen($chunk); $written += $n) {
                    $n = fwrite($handle, substr($chunk, $written));
                    if ($n === false || $n === 0) {
                        throw new RuntimeException('could not write the downloaded media');
                    }
                }
            }
            $length = $response->header('Content-Length');
            if ($length !== '' && (int) $length !== $size) {
                throw new FleetApiException(0, 'CONNECTION_FAILED', "the download was cut off after {$size} of {$length} bytes");
            }
            $sha256 = hash_final($hash);
            $expected = strtolower($expectedSha256 ?? trim((string) $response->header('ETag'), '"'));
            if ($expected !== '' && !hash_equals($expected, $sha256)) {
                throw new FleetApiException(0, 'MEDIA_HASH_MISMATCH', "downloaded {$size} bytes whose sha256 {$sha256} is not the expected {$expected}", ['expected' => $expected, 'sha256' => $sha256]);
            }
            $done = true;
        } finally {
            $body->close();
            if (is_string($to)) {
                fclose($handle);
                if (!$done) {
                    @unlink($to);
                }
            }
        }
        return [
            'mimetype' => $response->header('Content-Type'),
            'size' => $size,
            'sha256' => $sha256,
            'filename' => $this->filenameOf($response->header('Content-Disposition')),
        ];
    }

    /** The file name of a Content-Disposition (RFC 6266: `filename*=UTF-8''…` first). */
    private function filenameOf(string $disposition): ?string
    {
        if (preg_match("/filename\\*=UTF-8''([^;]+)/i", $disposition, $match)) {
            return rawurldecode(trim($match[1]));
        }
        if (preg_match('/filename="([^"]*)"/i', $disposition, $match)) {
            return $match[1];
        }
        return null;
    }

    /** `reply_to` and `mentions` when given. */
    private function context(?string $replyTo, array $mentions): array
    {
        $fields = [];
        if ($replyTo !== null) {
            $fields['reply_to'] = $replyTo;
        }
        if ($mentions !== []) {
            $fields['mentions'] = array_values($mentions);
        }
        return $fields;
    }

    /** A media message: `$extra` fields with null values are left out. */
    private function sendMedia(string $sessionId, string $to, string $type, MediaSource $media, array $extra, ?string $replyTo, array $mentions, ?string $idempotencyKey): array
    {
        $body = ['type' => $type, 'media' => $media->toArray()] + array_filter($extra, fn ($value) => $value !== null) + $this->context($replyTo, $mentions);
        return $this->send($sessionId, $to, $body, $idempotencyKey);
    }
}
