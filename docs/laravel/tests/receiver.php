<?php
// Router script for `php -S 127.0.0.1:PORT receiver.php`: a Laravel-style webhook endpoint built on
// FleetWebhookController, with a file cache (so replays are seen across requests) and a listener that
// appends every handled event to $FLEET_TEST_DIR/received.jsonl. $FLEET_TEST_DIR/mode controls chaos:
//   ok                          answer normally
//   flaky <p_before> <p_after>  answer 500 before the controller with probability p_before, or handle
//                               the event and then answer 500 anyway (a lost answer) with p_after
require __DIR__ . '/bootstrap.php';

use App\Http\Controllers\FleetWebhookController;
use Illuminate\Cache\FileStore;
use Illuminate\Cache\Repository;
use Illuminate\Events\Dispatcher;
use Illuminate\Filesystem\Filesystem;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

$dir = getenv('FLEET_TEST_DIR');
$mode = preg_split('/\s+/', trim((string) @file_get_contents("$dir/mode")) ?: 'ok');
$random = fn (): float => mt_rand() / mt_getrandmax();
if ($mode[0] === 'flaky' && $random() < (float) ($mode[1] ?? 0)) {
    (new JsonResponse(['error' => 'chaos_before'], 500))->send();
    return true;
}
$cache = new Repository(new FileStore(new Filesystem(), "$dir/cache"));
$events = new Dispatcher();
$events->listen('fleet.*', function (string $name, array $payload) use ($dir) {
    file_put_contents("$dir/received.jsonl", json_encode(['name' => $name, 'event' => $payload[0]]) . "\n", FILE_APPEND | LOCK_EX);
});
$controller = new FleetWebhookController($cache, $events, (string) getenv('FLEET_WEBHOOK_SECRET'), 300);
$response = $controller(Request::capture());
file_put_contents("$dir/answers.log", $response->getStatusCode() . ' ' . $response->getContent() . "\n", FILE_APPEND | LOCK_EX);
// The first answer after handling in flaky mode is always lost (then at random), so a run always
// exercises a redelivery of an event the controller already handled.
$loseFirst = $mode[0] === 'flaky' && $response->getStatusCode() === 200 && @mkdir("$dir/first-answer-lost");
if ($loseFirst || ($mode[0] === 'flaky' && $response->getStatusCode() === 200 && $random() < (float) ($mode[2] ?? 0))) {
    (new JsonResponse(['error' => 'chaos_after'], 500))->send();
    return true;
}
$response->send();
return true;
