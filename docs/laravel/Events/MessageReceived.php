<?php

namespace App\Events\Fleet;

/**
 * message.received: a message arrived for the session (a text, image, video, audio or voice note,
 * document, sticker, location or contact), from a contact or in a group. `messageId` is WhatsApp's id
 * of it: reply to it or react to it with FleetClient (`replyTo:`, react()).
 */
class MessageReceived extends InboundMessage
{
}
