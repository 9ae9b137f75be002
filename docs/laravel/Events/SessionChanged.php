<?php

namespace App\Events\Fleet;

/**
 * session.qr, session.connected, session.disconnected, session.logged_out, session.failed: `eventType`
 * says which; the rest of each one's data (qr, phone, code, reason, will_reconnect) is in `data`.
 */
class SessionChanged extends FleetEvent
{
    public readonly string $sessionId;
    public readonly string $accountId;

    public function __construct(array $event)
    {
        parent::__construct($event);
        $this->sessionId = (string) ($this->data['session_id'] ?? '');
        $this->accountId = (string) ($this->data['account_id'] ?? '');
    }
}
