<?php

namespace App\Services\Fleet;

use RuntimeException;

/**
 * An error answer of the Fleet ingress: the HTTP status, the stable error code (docs/errors.md),
 * the message and the details Fleet sent (e.g. `details.allowed` of MEDIA_TYPE_NOT_ALLOWED,
 * `details.limit_bytes` of MEDIA_TOO_LARGE, `details.field` of VALIDATION_FAILED).
 *
 * Status 0 means the client itself gave up without an answer from Fleet: CONNECTION_FAILED (no
 * connection, or a timeout), or MEDIA_HASH_MISMATCH (a download whose bytes did not match their sha256;
 * nothing was kept).
 */
class FleetApiException extends RuntimeException
{
    public function __construct(
        public readonly int $status,
        public readonly string $errorCode,
        string $message,
        public readonly array $details = [],
        /** Fleet's X-Request-Id of the answer (its logs carry it); null when there was no answer. */
        public readonly ?string $requestId = null,
    ) {
        parent::__construct("Fleet API {$status} {$errorCode}: {$message}", $status);
    }

    /** True for answers worth retrying later (no worker, capacity, Redis or the media store down, no connection). */
    public function isRetryable(): bool
    {
        return $this->status === 503 || $this->status === 0;
    }
}
