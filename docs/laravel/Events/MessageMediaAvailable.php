<?php

namespace App\Events\Fleet;

use App\Services\Fleet\ReceivedMedia;

/**
 * message.media_available: the media of a received message, whose download had failed (its
 * MessageReceived had `media->status` `unavailable`), is now stored. `messageId` is that message.
 */
class MessageMediaAvailable extends FleetEvent
{
    public readonly string $sessionId;
    public readonly string $messageId;
    public readonly ReceivedMedia $media;

    public function __construct(array $event)
    {
        parent::__construct($event);
        $this->sessionId = (string) ($this->data['session_id'] ?? '');
        $this->messageId = (string) ($this->data['message_id'] ?? '');
        $this->media = ReceivedMedia::fromArray(is_array($this->data['media'] ?? null) ? $this->data['media'] : []);
    }
}
