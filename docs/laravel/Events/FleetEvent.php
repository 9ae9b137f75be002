<?php

namespace App\Events\Fleet;

/**
 * A Fleet event as FleetWebhookController dispatches it, typed: listen to the class of the events you
 * handle (`Event::listen(MessageReceived::class, …)`). Every event has the envelope of docs/events.md;
 * `data` keeps the event's data as Fleet sent it. An event type this version does not know yet
 * arrives as a plain FleetEvent.
 */
class FleetEvent
{
    /** `evt_…`: the same on every delivery of the event (the controller handles each id once). */
    public readonly string $id;
    /** The event type, e.g. `message.received`. */
    public readonly string $eventType;
    public readonly int $workspaceId;
    /** 1, 2, 3 … per workspace: deliveries of a workspace arrive in this order. */
    public readonly int $sequence;
    /** When Fleet recorded it (ms since the epoch). */
    public readonly int $occurredAt;
    /** The event's `data`, as sent. */
    public readonly array $data;

    public function __construct(array $event)
    {
        $this->id = (string) ($event['id'] ?? '');
        $this->eventType = (string) ($event['type'] ?? '');
        $this->workspaceId = (int) ($event['workspace_id'] ?? 0);
        $this->sequence = (int) ($event['sequence'] ?? 0);
        $this->occurredAt = (int) ($event['occurred_at'] ?? 0);
        $this->data = is_array($event['data'] ?? null) ? $event['data'] : [];
    }

    /** The typed event of a decoded webhook body (or an item of GET /api/events). */
    public static function from(array $event): self
    {
        $type = (string) ($event['type'] ?? '');
        $class = match ($type) {
            'message.received' => MessageReceived::class,
            'message.sent_from_device' => MessageSentFromDevice::class,
            'message.reaction' => MessageReaction::class,
            'message.edited' => MessageEdited::class,
            'message.revoked' => MessageRevoked::class,
            'message.media_available' => MessageMediaAvailable::class,
            'message.sent', 'message.delivered', 'message.read', 'message.failed' => MessageStatusChanged::class,
            default => str_starts_with($type, 'session.') ? SessionChanged::class : self::class,
        };
        return new $class($event);
    }

    /** The session the event is about (every event but a few future ones has one). */
    public function sessionId(): ?string
    {
        return isset($this->data['session_id']) ? (string) $this->data['session_id'] : null;
    }
}
