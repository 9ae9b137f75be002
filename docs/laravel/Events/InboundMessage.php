<?php

namespace App\Events\Fleet;

use App\Services\Fleet\ReceivedMedia;

/**
 * A whole message of any type, as message.received (someone wrote to the session) and
 * message.sent_from_device (the account's own phone sent it) carry it.
 */
abstract class InboundMessage extends ChatEvent
{
    /** text, image, video, audio, document, sticker, location or contact. */
    public readonly string $type;
    /** The text, or a media message's caption ('' when none). */
    public readonly string $text;
    /** A media message's caption (null for other types, '' when it has none). */
    public readonly ?string $caption;
    /** The media, stored by Fleet (media types only). Its bytes: FleetClient::downloadReceivedMedia(). */
    public readonly ?ReceivedMedia $media;
    /** `location`: {latitude, longitude, name?, address?}. */
    public readonly ?array $location;
    /** `contact`: {display_name, vcard}. */
    public readonly ?array $contact;
    /** The id of the message this one replies to (quotes). */
    public readonly ?string $quotedMessageId;
    /** JIDs mentioned. */
    public readonly array $mentions;

    private const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'];

    public function __construct(array $event)
    {
        parent::__construct($event);
        $data = $this->data;
        $this->type = (string) ($data['type'] ?? 'text');
        $this->text = (string) ($data['text'] ?? '');
        $this->caption = in_array($this->type, self::MEDIA_TYPES, true) ? $this->text : null;
        $this->media = is_array($data['media'] ?? null) ? ReceivedMedia::fromArray($data['media']) : null;
        $this->location = is_array($data['location'] ?? null) ? $data['location'] : null;
        $this->contact = is_array($data['contact'] ?? null) ? $data['contact'] : null;
        $this->quotedMessageId = isset($data['quoted_message_id']) ? (string) $data['quoted_message_id'] : null;
        $this->mentions = is_array($data['mentions'] ?? null) ? array_values($data['mentions']) : [];
    }

    public function hasMedia(): bool
    {
        return $this->media !== null;
    }

    public function isReply(): bool
    {
        return $this->quotedMessageId !== null;
    }
}
