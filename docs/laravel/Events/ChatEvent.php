<?php

namespace App\Events\Fleet;

/**
 * An event about a message in a chat: where it was (`chat`, `group`), who wrote it (`from`; in a
 * group, the participant) and when.
 */
abstract class ChatEvent extends FleetEvent
{
    public readonly string $sessionId;
    /** The message the event is about (see each event for which one). */
    public readonly string $messageId;
    /** The chat: the contact's JID (`15550002222@s.whatsapp.net`) or the group's (`…@g.us`). */
    public readonly string $chat;
    /** Who wrote it: the contact, the group participant, or (sent from the phone) the account itself. */
    public readonly string $from;
    /** The group's JID when the chat is a group, else null. */
    public readonly ?string $group;
    /** In a group, the participant who wrote it (the same as `from`); else null. */
    public readonly ?string $participant;
    /** When it was written (ms since the epoch). */
    public readonly int $timestamp;

    public function __construct(array $event)
    {
        parent::__construct($event);
        $data = $this->data;
        $this->sessionId = (string) ($data['session_id'] ?? '');
        $this->messageId = (string) ($data['message_id'] ?? '');
        $this->chat = (string) ($data['chat'] ?? '');
        $this->from = (string) ($data['from'] ?? '');
        $this->group = isset($data['group']) ? (string) $data['group'] : null;
        $this->participant = $this->group !== null ? $this->from : null;
        $this->timestamp = (int) ($data['timestamp'] ?? 0);
    }

    public function isGroup(): bool
    {
        return $this->group !== null;
    }

    /** The digits of `from` (`15550002222`): the phone number of whoever wrote it. */
    public function fromPhone(): string
    {
        return explode(':', explode('@', $this->from)[0])[0];
    }
}
