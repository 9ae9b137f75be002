<?php

namespace App\Events\Fleet;

/**
 * message.sent_from_device: the account's own phone sent a message (not Fleet), so an inbox can show
 * what an agent typed on the phone. The same fields as MessageReceived; `from` is the account, `chat`
 * the contact or group it went to.
 */
class MessageSentFromDevice extends InboundMessage
{
}
