<?php

namespace App\Events\Fleet;

/**
 * message.sent, message.delivered, message.read, message.failed: a message the session sent moved
 * forward (never backwards). `reason` says why a message failed (docs/errors.md).
 */
class MessageStatusChanged extends FleetEvent
{
    public readonly string $sessionId;
    public readonly string $messageId;
    /** sent, delivered, read or failed. */
    public readonly string $status;
    public readonly ?string $reason;

    public function __construct(array $event)
    {
        parent::__construct($event);
        $this->sessionId = (string) ($this->data['session_id'] ?? '');
        $this->messageId = (string) ($this->data['message_id'] ?? '');
        $this->status = (string) ($this->data['status'] ?? substr($this->eventType, strlen('message.')));
        $this->reason = isset($this->data['reason']) ? (string) $this->data['reason'] : null;
    }
}
