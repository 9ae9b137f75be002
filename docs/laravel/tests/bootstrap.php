<?php
// Loads Debian's Laravel components and Guzzle (php-laravel-framework, php-guzzlehttp-guzzle) and the
// integration classes, so the test drivers run without a Laravel app or Composer.
require_once '/usr/share/php/Illuminate/autoload.php';
require_once '/usr/share/php/GuzzleHttp/autoload.php';
require_once __DIR__ . '/../FleetApiException.php';
require_once __DIR__ . '/../FleetClient.php';
require_once __DIR__ . '/../FleetWebhookController.php';
