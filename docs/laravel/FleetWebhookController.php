<?php

namespace App\Http\Controllers;

use App\Events\Fleet\FleetEvent;
use Illuminate\Contracts\Cache\Repository as Cache;
use Illuminate\Contracts\Events\Dispatcher as Events;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

/**
 * Receives Fleet's webhooks. Every delivery is checked before anything else:
 *   - X-Fleet-Signature `t=<unix>,v1=<hex>` must be HMAC-SHA256(secret, "<t>.<raw body>") → else 401
 *     (the key is the secret string as set, a `whsec_` prefix included: nothing is stripped or decoded);
 *   - t must be within the tolerance (default 5 min) of now → else 401 (an old capture replayed);
 *   - the same signature twice is a replay → 409 (Fleet signs each attempt afresh);
 *   - an event id already handled is acknowledged (200, "duplicate") without handling it again, so
 *     Fleet's at-least-once retries take effect once.
 * A verified, new event is dispatched twice: typed, as an object of App\Events\Fleet (MessageReceived,
 * MessageSentFromDevice, MessageReaction, MessageEdited, MessageRevoked, MessageMediaAvailable,
 * MessageStatusChanged, SessionChanged; FleetEvent for a type this version does not know), and as the
 * Laravel event `fleet.<type>` (e.g. `fleet.message.delivered`) with the decoded event as its payload.
 * Fleet delivers each workspace's events in sequence order. A listener that throws makes the answer a
 * 500: Fleet delivers the event again later, and both are dispatched again.
 *
 * Route (routes/api.php): Route::post('/fleet/webhook', FleetWebhookController::class);
 * and exclude it from CSRF (it is an API route) and from auth middleware.
 */
class FleetWebhookController
{
    private string $secret;

    public function __construct(
        private Cache $cache,
        private Events $events,
        ?string $secret = null,
        private int $toleranceSeconds = 300,
        private int $rememberEventsSeconds = 7 * 24 * 3600,
    ) {
        $this->secret = $secret ?? (function_exists('config') ? (string) config('services.fleet.webhook_secret') : '');
    }

    public function __invoke(Request $request): JsonResponse
    {
        $body = $request->getContent();
        $header = (string) $request->header('X-Fleet-Signature', '');
        $problem = $this->verify($header, $body, time());
        if ($problem !== null) {
            return new JsonResponse(['error' => $problem], 401);
        }
        $event = json_decode($body, true);
        if (!is_array($event) || !isset($event['id'], $event['type'], $event['workspace_id'], $event['sequence'])) {
            return new JsonResponse(['error' => 'malformed_event'], 400);
        }
        if ($request->header('X-Fleet-Event-Id') !== $event['id']) {
            return new JsonResponse(['error' => 'event_id_mismatch'], 400);
        }
        // A signature is single-use: seeing it again means someone replayed a captured delivery.
        if (!$this->cache->add('fleet:webhook:signature:' . hash('sha256', $header), 1, $this->toleranceSeconds * 2)) {
            return new JsonResponse(['error' => 'replayed'], 409);
        }
        $eventKey = 'fleet:webhook:event:' . $event['id'];
        if ($this->cache->has($eventKey)) {
            return new JsonResponse(['status' => 'duplicate', 'id' => $event['id']], 200);
        }
        $this->events->dispatch(FleetEvent::from($event));
        $this->events->dispatch('fleet.' . $event['type'], [$event]);
        $this->cache->put($eventKey, (int) $event['sequence'], $this->rememberEventsSeconds);
        return new JsonResponse(['status' => 'ok', 'id' => $event['id']], 200);
    }

    /** Null when the header is valid for this body now, else the reason it is not. */
    public function verify(string $header, string $body, int $now): ?string
    {
        if ($this->secret === '') {
            return 'no_secret_configured';
        }
        $parts = [];
        foreach (explode(',', $header) as $part) {
            [$key, $value] = array_pad(explode('=', trim($part), 2), 2, '');
            $parts[$key] = $value;
        }
        $t = $parts['t'] ?? '';
        $v1 = $parts['v1'] ?? '';
        if (!ctype_digit($t) || !preg_match('/^[0-9a-f]{64}$/', $v1)) {
            return 'malformed_signature';
        }
        $expected = hash_hmac('sha256', $t . '.' . $body, $this->secret);
        if (!hash_equals($expected, $v1)) {
            return 'bad_signature';
        }
        if (abs($now - (int) $t) > $this->toleranceSeconds) {
            return 'stale_timestamp';
        }
        return null;
    }
}
