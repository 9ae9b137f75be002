<?php
// Router script for `php -S 127.0.0.1:PORT receiver.php`: a Laravel-style webhook endpoint built on
// FleetWebhookController, with a file cache (so replays are seen across requests) and listeners that
// append every handled event to $FLEET_TEST_DIR/received.jsonl (the `fleet.<type>` string events) and
// $FLEET_TEST_DIR/typed.jsonl (the typed App\Events\Fleet objects, one listener per class, as an app
// registers them). With $FLEET_URL and $FLEET_API_KEY set, received media is stored the way the README
// shows: FleetClient::downloadReceivedMedia() into $FLEET_TEST_DIR/media/<suggested file name>, each
// logged to media.jsonl. $FLEET_TEST_DIR/mode controls chaos:
//   ok                          answer normally
//   flaky <p_before> <p_after>  answer 500 before the controller with probability p_before, or handle
//                               the event and then answer 500 anyway (a lost answer) with p_after
require __DIR__ . '/bootstrap.php';

use App\Events\Fleet\InboundMessage;
use App\Events\Fleet\FleetEvent;
use App\Events\Fleet\MessageEdited;
use App\Events\Fleet\MessageMediaAvailable;
use App\Events\Fleet\MessageReaction;
use App\Events\Fleet\MessageReceived;
use App\Events\Fleet\MessageRevoked;
use App\Events\Fleet\MessageSentFromDevice;
use App\Events\Fleet\MessageStatusChanged;
use App\Events\Fleet\SessionChanged;
use App\Http\Controllers\FleetWebhookController;
use App\Services\Fleet\FleetApiException;
use App\Services\Fleet\FleetClient;
use App\Services\Fleet\ReceivedMedia;
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
$log = fn (string $file, array $line) => file_put_contents("$dir/$file", json_encode($line) . "\n", FILE_APPEND | LOCK_EX);
$storeMedia = function (string $messageId, ReceivedMedia $media) use ($dir, $log) {
    if (!getenv('FLEET_URL') || !$media->isAvailable()) {
        return;
    }
    @mkdir("$dir/media");
    $path = "$dir/media/" . $media->suggestedFilename();
    $before = memory_get_usage();
    memory_reset_peak_usage();
    try {
        $result = (new FleetClient((string) getenv('FLEET_URL'), (string) getenv('FLEET_API_KEY')))->downloadReceivedMedia($media, $path);
    } catch (FleetApiException $e) {
        $log('media.jsonl', ['message_id' => $messageId, 'media_id' => $media->id, 'error' => ['status' => $e->status, 'code' => $e->errorCode]]);
        throw $e;
    }
    $log('media.jsonl', [
        'message_id' => $messageId, 'media_id' => $media->id, 'path' => $path, 'via' => $media->urlIsFresh() ? 'signed_url' : 'api',
        'result' => $result, 'file_sha256' => hash_file('sha256', $path), 'file_size' => filesize($path), 'peak_extra_bytes' => memory_get_peak_usage() - $before,
    ]);
};
$typed = function (FleetEvent $event) use ($log): void {
    $log('typed.jsonl', ['class' => (new ReflectionClass($event))->getShortName(), 'event' => $event]);
};
foreach ([MessageReceived::class, MessageSentFromDevice::class, MessageReaction::class, MessageEdited::class, MessageRevoked::class,
    MessageMediaAvailable::class, MessageStatusChanged::class, SessionChanged::class, FleetEvent::class] as $class) {
    $events->listen($class, $typed);
}
// (A listener that returns false stops the event's other listeners: these return nothing.)
$onMessage = function (InboundMessage $message) use ($storeMedia): void {
    if ($message->media !== null) {
        $storeMedia($message->messageId, $message->media);
    }
};
$events->listen(MessageReceived::class, $onMessage);
$events->listen(MessageSentFromDevice::class, $onMessage);
$events->listen(MessageMediaAvailable::class, function (MessageMediaAvailable $available) use ($storeMedia): void {
    $storeMedia($available->messageId, $available->media);
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
