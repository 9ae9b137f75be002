<?php

namespace App\Events\Fleet;

/**
 * message.reaction: someone reacted to a message. `messageId` is the reaction's own id,
 * `targetMessageId` the message reacted to; an empty `emoji` removed their reaction.
 */
class MessageReaction extends ChatEvent
{
    public readonly string $targetMessageId;
    public readonly string $emoji;

    public function __construct(array $event)
    {
        parent::__construct($event);
        $this->targetMessageId = (string) ($this->data['target_message_id'] ?? '');
        $this->emoji = (string) ($this->data['emoji'] ?? '');
    }

    public function isRemoval(): bool
    {
        return $this->emoji === '';
    }
}
