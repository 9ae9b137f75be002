<?php

namespace App\Services\Fleet;

/**
 * The `media` of a received message (message.received, message.sent_from_device,
 * message.media_available): Fleet downloaded it from WhatsApp, checked its sha256 and stored it.
 * Fetch the bytes with FleetClient::downloadReceivedMedia() (the signed `url`, no API key, while it
 * is fresh; else GET /api/media/{id} with the key) as long as Fleet keeps them (MEDIA_RETENTION_DAYS,
 * 30 days by default): store them yourself if you need them longer.
 */
final class ReceivedMedia
{
    private const EXTENSIONS = [
        'image/jpeg' => 'jpg', 'image/png' => 'png', 'image/webp' => 'webp', 'video/mp4' => 'mp4', 'video/3gpp' => '3gp',
        'audio/ogg' => 'ogg', 'audio/mpeg' => 'mp3', 'audio/aac' => 'aac', 'audio/mp4' => 'm4a', 'audio/amr' => 'amr',
        'application/pdf' => 'pdf',
    ];

    public function __construct(
        /** `med_…`: GET /api/media/{id}. */
        public readonly string $id,
        /** image, video, audio, document or sticker. */
        public readonly string $type,
        public readonly string $mimetype,
        /** Bytes (as declared by the sender while unavailable). */
        public readonly int $size,
        /** Hex SHA-256 of the bytes, checked against the sender's. */
        public readonly string $sha256,
        public readonly ?string $filename,
        /** An audio sent as a voice note. */
        public readonly bool $voice,
        /** `available` (stored) or `unavailable` (the download failed; message.media_available follows). */
        public readonly string $status,
        /** A signed link that needs no API key; null while unavailable (or when Fleet has no PUBLIC_BASE_URL). */
        public readonly ?string $url,
        /** When `url` expires (ms since the epoch). */
        public readonly ?int $urlExpiresAt,
    ) {
    }

    public static function fromArray(array $media): self
    {
        return new self(
            (string) ($media['id'] ?? ''),
            (string) ($media['type'] ?? 'document'),
            (string) ($media['mimetype'] ?? 'application/octet-stream'),
            (int) ($media['size'] ?? 0),
            (string) ($media['sha256'] ?? ''),
            isset($media['filename']) ? (string) $media['filename'] : null,
            (bool) ($media['voice'] ?? false),
            (string) ($media['status'] ?? 'unavailable'),
            isset($media['url']) ? (string) $media['url'] : null,
            isset($media['url_expires_at']) ? (int) $media['url_expires_at'] : null,
        );
    }

    public function isAvailable(): bool
    {
        return $this->status === 'available';
    }

    /** Whether the signed url can still be used for at least `$marginSeconds`. */
    public function urlIsFresh(int $marginSeconds = 30): bool
    {
        return $this->url !== null && ($this->urlExpiresAt === null || $this->urlExpiresAt > (time() + $marginSeconds) * 1000);
    }

    /**
     * A file name to store it under, safe in a path: the sender's (documents) reduced to letters, digits,
     * `.`, `_` and `-` (the sender chose it: never use `filename` itself as a path), else
     * `<id>.<extension of its mimetype>`.
     */
    public function suggestedFilename(): string
    {
        $name = basename(str_replace('\\', '/', (string) $this->filename));
        $name = ltrim((string) preg_replace('/[^A-Za-z0-9._-]+/', '_', $name), '.');
        if ($name !== '' && trim($name, '_') !== '') {
            return substr($name, -200);
        }
        $base = strtolower(trim(explode(';', $this->mimetype)[0]));
        return $this->id . '.' . (self::EXTENSIONS[$base] ?? 'bin');
    }
}
