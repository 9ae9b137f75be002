<?php

namespace App\Events\Fleet;

/**
 * message.edited: someone edited a message they had sent. `messageId` is the edited message,
 * `editId` the edit's own id, `text` the new text.
 */
class MessageEdited extends ChatEvent
{
    public readonly string $editId;
    public readonly string $text;

    public function __construct(array $event)
    {
        parent::__construct($event);
        $this->editId = (string) ($this->data['edit_id'] ?? '');
        $this->text = (string) ($this->data['text'] ?? '');
    }
}
