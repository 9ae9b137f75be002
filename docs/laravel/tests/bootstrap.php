<?php
// Loads Debian's Laravel components and Guzzle (php-laravel-framework, php-guzzlehttp-guzzle) and the
// integration classes, so the test drivers run without a Laravel app or Composer (which would autoload
// app/Services/Fleet, app/Events/Fleet and app/Http/Controllers by their namespaces).
require_once '/usr/share/php/Illuminate/autoload.php';
require_once '/usr/share/php/GuzzleHttp/autoload.php';
require_once __DIR__ . '/../FleetApiException.php';
require_once __DIR__ . '/../MediaSource.php';
require_once __DIR__ . '/../ReceivedMedia.php';
require_once __DIR__ . '/../FleetClient.php';
foreach (['FleetEvent', 'ChatEvent', 'InboundMessage', 'MessageReceived', 'MessageSentFromDevice', 'MessageReaction', 'MessageEdited',
    'MessageRevoked', 'MessageMediaAvailable', 'MessageStatusChanged', 'SessionChanged'] as $class) {
    require_once __DIR__ . "/../Events/{$class}.php";
}
require_once __DIR__ . '/../FleetWebhookController.php';
