<?php
// Drives a running Fleet through FleetClient, the way a Laravel app would, and prints one JSON object
// with what each call answered (the Node test asserts on it).
// Usage: php client-driver.php <ingress url> <api key> <workspace id> <session id> <webhook url> <webhook secret>
require __DIR__ . '/bootstrap.php';

use App\Services\Fleet\FleetApiException;
use App\Services\Fleet\FleetClient;

[, $url, $key, $workspace, $session, $webhookUrl, $secret] = $argv;
$workspace = (int) $workspace;
$fleet = new FleetClient($url, $key);
$out = [];
$expectError = function (callable $call) {
    try {
        $call();
        return null;
    } catch (FleetApiException $e) {
        return ['status' => $e->status, 'code' => $e->errorCode];
    }
};

$out['health'] = $fleet->health();
$out['webhook_before'] = $fleet->webhook($workspace);
$out['set_webhook'] = $fleet->setWebhook($workspace, $webhookUrl, $secret, ['session.*', 'message.*']);
$out['get_webhook'] = $fleet->webhook($workspace);
$out['bad_webhook'] = $expectError(fn () => $fleet->setWebhook($workspace, $webhookUrl, 'short'));
$out['create'] = $fleet->createSession($session, $workspace, 17);
$deadline = microtime(true) + 20;
do {
    $out['status'] = $fleet->sessionStatus($session);
    if ($out['status']['status'] === 'connected') break;
    usleep(100000);
} while (microtime(true) < $deadline);
$out['qr_error'] = $expectError(fn () => $fleet->sessionQr($session));
$out['send'] = $fleet->sendMessage($session, '+15551234567', 'hello from Laravel', 'order-1');
$out['send_again'] = $fleet->sendMessage($session, '+15551234567', 'hello from Laravel', 'order-1');
$deadline = microtime(true) + 20;
do {
    $out['message'] = $fleet->message($out['send']['message_id']);
    if ($out['message']['status'] === 'delivered') break;
    usleep(100000);
} while (microtime(true) < $deadline);
$out['instances'] = $fleet->instances();
$deadline = microtime(true) + 20;
$seen = [];
do {
    $seen = [];
    $fleet->catchUp($workspace, 0, function (array $event) use (&$seen) { $seen[] = $event; }, 2);
    if (count($seen) >= 3) break;
    usleep(100000);
} while (microtime(true) < $deadline);
$out['caught_up'] = $seen;
$out['events_page'] = $fleet->events($workspace, 1, 1);
$out['dead_letters'] = $fleet->deadLetters($workspace);
$out['replay'] = $fleet->replayDeadLetters($workspace);
$out['not_found'] = $expectError(fn () => $fleet->sessionStatus('no-such-session'));
$out['invalid_id'] = $expectError(fn () => $fleet->sessionStatus('bad id!'));
$out['unauthorized'] = $expectError(fn () => (new FleetClient($url, 'wrong-key-0123456789'))->instances());
$out['stop'] = $fleet->stopSession($session);
$out['start'] = $fleet->startSession($session);
$out['delete'] = $fleet->deleteSession($session);
echo json_encode($out, JSON_PRETTY_PRINT), "\n";
