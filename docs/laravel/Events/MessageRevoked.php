<?php

namespace App\Events\Fleet;

/** message.revoked: someone deleted a message they had sent, for everyone. `messageId` is that message. */
class MessageRevoked extends ChatEvent
{
}
