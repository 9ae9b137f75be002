<?php

namespace App\Services\Fleet;

use InvalidArgumentException;

/**
 * Where the media of an image, video, audio, document or sticker message comes from: exactly one of
 *   - a media object uploaded with FleetClient::uploadMedia() (any size up to the type's limit),
 *   - an https URL Fleet's worker fetches (it must be public: private and loopback hosts are refused),
 *   - the bytes inline (base64 in the JSON request), at most 1 MiB.
 * See docs/api.md ("Media limits") for the mimetypes and sizes each type takes.
 */
final class MediaSource
{
    /** The largest media sent inline (decoded bytes); larger files go through uploadMedia(). */
    public const MAX_INLINE_BYTES = 1024 * 1024;

    private function __construct(private readonly array $fields)
    {
    }

    /** A media id (`med_…`) from FleetClient::uploadMedia(), of the same workspace as the session. */
    public static function id(string $mediaId): self
    {
        return new self(['id' => $mediaId]);
    }

    /** The answer of FleetClient::uploadMedia(). */
    public static function uploaded(array $upload): self
    {
        if (!isset($upload['media_id'])) {
            throw new InvalidArgumentException('not an answer of uploadMedia(): no media_id');
        }
        return self::id((string) $upload['media_id']);
    }

    /** An https URL the worker fetches when it sends (checked before the message is queued). */
    public static function url(string $url, ?string $mimetype = null): self
    {
        return new self(array_filter(['url' => $url, 'mimetype' => $mimetype], fn ($value) => $value !== null));
    }

    /** Bytes held in memory, sent inline (base64). At most 1 MiB. */
    public static function bytes(string $bytes, string $mimetype, ?string $filename = null): self
    {
        if (strlen($bytes) > self::MAX_INLINE_BYTES) {
            throw new InvalidArgumentException('inline media is at most 1 MiB: upload larger files with FleetClient::uploadMedia()');
        }
        return new self(array_filter(['base64' => base64_encode($bytes), 'mimetype' => $mimetype, 'filename' => $filename], fn ($value) => $value !== null));
    }

    /** A small local file sent inline (read whole, base64). At most 1 MiB: use uploadMedia() for larger ones. */
    public static function file(string $path, string $mimetype, ?string $filename = null): self
    {
        $size = @filesize($path);
        if ($size === false) {
            throw new InvalidArgumentException("cannot read {$path}");
        }
        if ($size > self::MAX_INLINE_BYTES) {
            throw new InvalidArgumentException("{$path} is {$size} bytes; inline media is at most 1 MiB: upload it with FleetClient::uploadMedia()");
        }
        return self::bytes((string) file_get_contents($path), $mimetype, $filename ?? basename($path));
    }

    /** The `media` object of POST /api/messages/send. */
    public function toArray(): array
    {
        return $this->fields;
    }
}
