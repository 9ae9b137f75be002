<?php

namespace App\Services\Fleet;

use RuntimeException;

/**
 * An error answer of the Fleet ingress: the HTTP status, the stable error code (docs/errors.md),
 * the message and the details Fleet sent.
 */
class FleetApiException extends RuntimeException
{
    public function __construct(
        public readonly int $status,
        public readonly string $errorCode,
        string $message,
        public readonly array $details = [],
    ) {
        parent::__construct("Fleet API {$status} {$errorCode}: {$message}", $status);
    }

    /** True for answers worth retrying later (no worker, capacity, Redis down). */
    public function isRetryable(): bool
    {
        return $this->status === 503 || $this->status === 0;
    }
}
