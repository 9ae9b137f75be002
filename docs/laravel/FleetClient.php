<?php

namespace App\Services\Fleet;

use Illuminate\Http\Client\ConnectionException;
use Illuminate\Http\Client\Factory;
use Illuminate\Http\Client\PendingRequest;
use Illuminate\Http\Client\Response;

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

    /** POST /api/sessions/create: 202 when new, 200 when it already existed. */
    public function createSession(string $sessionId, int $workspaceId, string|int $accountId): array
    {
        return $this->call('post', '/api/sessions/create', [
            'session_id' => $sessionId,
            'workspace_id' => $workspaceId,
            'account_id' => (string) $accountId,
        ]);
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

    /** DELETE /api/sessions/{id}: logs the device out and removes the session. */
    public function deleteSession(string $sessionId): array
    {
        return $this->call('delete', '/api/sessions/' . rawurlencode($sessionId));
    }

    // Messages ---------------------------------------------------------------------------------

    /** POST /api/messages/send: the same idempotency key never sends twice. */
    public function sendMessage(string $sessionId, string $to, string $text, ?string $idempotencyKey = null): array
    {
        $body = ['session_id' => $sessionId, 'to' => $to, 'text' => $text];
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
        try {
            /** @var Response $response */
            $response = $data === null
                ? $this->request($minTimeoutSeconds)->{$method}($this->baseUrl . $path)
                : $this->request($minTimeoutSeconds)->{$method}($this->baseUrl . $path, $data);
        } catch (ConnectionException $e) {
            throw new FleetApiException(0, 'CONNECTION_FAILED', $e->getMessage());
        }
        $json = $response->json();
        if ($response->failed()) {
            $error = is_array($json) ? ($json['error'] ?? []) : [];
            throw new FleetApiException(
                $response->status(),
                (string) ($error['code'] ?? 'HTTP_' . $response->status()),
                (string) ($error['message'] ?? $response->body()),
                (array) ($error['details'] ?? []),
            );
        }
        return is_array($json) ? $json : [];
    }
}
