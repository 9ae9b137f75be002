<?php
// Drives a running Fleet's rich messages through FleetClient, the way a Laravel app would, and prints
// one JSON object with what each call answered (services/dispatcher/test/laravel-media.test.ts asserts
// on it and on what the simulator's recipients decrypted).
// Usage: php media-driver.php <ingress url> <api key> <command> '<json arguments>'
require __DIR__ . '/bootstrap.php';

use App\Services\Fleet\FleetApiException;
use App\Services\Fleet\FleetClient;
use App\Services\Fleet\MediaSource;
use App\Services\Fleet\ReceivedMedia;

[, $url, $key, $command, $json] = $argv;
$args = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
$fleet = new FleetClient($url, $key);
$out = [];

/** What a failing call threw: the FleetApiException's fields, or another exception's class and message. */
$error = function (callable $call): ?array {
    try {
        $call();
        return null;
    } catch (FleetApiException $e) {
        return ['status' => $e->status, 'code' => $e->errorCode, 'details' => $e->details, 'request_id' => $e->requestId, 'retryable' => $e->isRetryable()];
    } catch (Throwable $e) {
        return ['class' => get_class($e), 'message' => $e->getMessage()];
    }
};
/** PHP memory a call needed beyond what was in use before it (peak), with its answer. */
$measured = function (callable $call): array {
    $before = memory_get_usage();
    memory_reset_peak_usage();
    $answer = $call();
    return [$answer, memory_get_peak_usage() - $before];
};
/** Polls GET /api/messages/{id} until the message reaches one of `$statuses`. */
$await = function (string $messageId, array $statuses) use ($fleet): array {
    $deadline = microtime(true) + 60;
    do {
        $message = $fleet->message($messageId);
        if (in_array($message['status'], $statuses, true)) {
            return $message;
        }
        usleep(100000);
    } while (microtime(true) < $deadline);
    return $message;
};

switch ($command) {
    case 'send-media':
        // A document uploaded from an open stream, sent under the name the recipient sees, with a caption.
        $stream = fopen($args['document_path'], 'rb');
        $out['document_upload'] = $fleet->uploadMedia($args['workspace'], 'document', $stream, 'application/pdf', 'upload.pdf');
        $out['stream_closed'] = !is_resource($stream);
        // A large image uploaded from its path (multipart, streamed), then sent by its media id. Measured
        // after a first upload, so the memory of loading Guzzle's and Laravel's classes is not counted.
        [$out['image_upload'], $out['image_upload_peak_bytes']] = $measured(fn () => $fleet->uploadMedia($args['workspace'], 'image', $args['image_path'], 'image/jpeg'));
        $out['image'] = $fleet->sendImage($args['session'], $args['to'], MediaSource::uploaded($out['image_upload']), caption: 'the product', idempotencyKey: 'image-1');
        $out['image_again'] = $fleet->sendImage($args['session'], $args['to'], MediaSource::uploaded($out['image_upload']), caption: 'the product', idempotencyKey: 'image-1');
        // A small image inline (base64), read from its file.
        $out['inline_image'] = $fleet->sendImage($args['session'], $args['to'], MediaSource::file($args['small_image_path'], 'image/png'));
        $out['document'] = $fleet->sendDocument($args['session'], $args['to'], MediaSource::id($out['document_upload']['media_id']), filename: 'invoice.pdf', caption: 'your invoice');
        // A voice note and a sticker inline, a location and a contact card.
        $out['voice'] = $fleet->sendVoiceNote($args['session'], $args['to'], MediaSource::bytes(base64_decode($args['voice_base64']), 'audio/ogg; codecs=opus'));
        $out['sticker'] = $fleet->sendSticker($args['session'], $args['to'], MediaSource::bytes(base64_decode($args['sticker_base64']), 'image/webp'));
        $out['location'] = $fleet->sendLocation($args['session'], $args['to'], 52.37, 4.89, 'Office', 'Dam 1');
        $out['contact'] = $fleet->sendContact($args['session'], $args['to'], 'Support', "BEGIN:VCARD\nVERSION:3.0\nFN:Support\nTEL:+15550001234\nEND:VCARD");
        break;

    case 'reply-and-react':
        // A reply quoting a received message, with a mention; a reaction to it, then its removal.
        $out['reply'] = $fleet->sendText($args['session'], $args['to'], "noted @{$args['mention']}", replyTo: $args['incoming_id'], mentions: ['+' . $args['mention']]);
        $out['reaction'] = $fleet->react($args['session'], $args['to'], $args['incoming_id'], '👍');
        $out['unreaction'] = $fleet->react($args['session'], $args['to'], $args['incoming_id'], '');
        break;

    case 'edit-and-revoke':
        $out['text'] = $fleet->sendText($args['session'], $args['to'], 'meeting at 3');
        $out['text_sent'] = $await($out['text']['message_id'], ['sent', 'delivered', 'read']);
        $out['edit'] = $fleet->editMessage($out['text']['message_id'], 'meeting at 4');
        $out['edit_sent'] = $await($out['edit']['message_id'], ['sent', 'delivered', 'read']);
        $out['revoke'] = $fleet->revokeMessage($out['text']['message_id']);
        $out['revoke_sent'] = $await($out['revoke']['message_id'], ['sent', 'delivered', 'read']);
        break;

    case 'download':
        // Received media by its id, with the API key, into an open stream (a temp file); then into a
        // path, measured (the classes are loaded by then).
        $temp = fopen('php://temp/maxmemory:0', 'w+b');
        $out['stream'] = $fleet->downloadMedia($args['media_id'], $temp);
        rewind($temp);
        $out['stream_sha256'] = hash_init('sha256');
        hash_update_stream($out['stream_sha256'], $temp);
        $out['stream_sha256'] = hash_final($out['stream_sha256']);
        [$out['file'], $out['peak_bytes']] = $measured(fn () => $fleet->downloadMedia($args['media_id'], $args['path']));
        $out['file_sha256'] = hash_file('sha256', $args['path']);
        // The event's media whose sha256 someone altered: the bytes do not match, nothing is kept.
        $tampered = ReceivedMedia::fromArray(['sha256' => str_repeat('0', 64)] + $args['media']);
        $out['tampered'] = $error(fn () => $fleet->downloadReceivedMedia($tampered, $args['path'] . '.tampered'));
        $out['tampered_left_no_file'] = !file_exists($args['path'] . '.tampered');
        $out['unavailable'] = $error(fn () => $fleet->downloadReceivedMedia(ReceivedMedia::fromArray(['status' => 'unavailable', 'url' => null] + $args['media']), $args['path'] . '.unavailable'));
        break;

    case 'errors':
        $out['upload_wrong_type'] = $error(fn () => $fleet->uploadMedia($args['workspace'], 'image', $args['pdf_path'], 'application/pdf'));
        $out['inline_wrong_type'] = $error(fn () => $fleet->sendImage($args['session'], $args['to'], MediaSource::file($args['pdf_path'], 'application/pdf')));
        $out['sticker_too_large'] = $error(fn () => $fleet->uploadMedia($args['workspace'], 'sticker', $args['sticker_path'], 'image/webp'));
        $out['inline_too_large'] = $error(fn () => MediaSource::file($args['big_path'], 'image/webp'));
        $out['unknown_media'] = $error(fn () => $fleet->sendDocument($args['session'], $args['to'], MediaSource::id('med_000000000000000000000000')));
        $out['download_unknown'] = $error(fn () => $fleet->downloadMedia('med_000000000000000000000000', $args['download_path']));
        $out['download_left_no_file'] = !file_exists($args['download_path']);
        $out['react_unknown'] = $error(fn () => $fleet->react($args['session'], $args['to'], '3EB0000000000000000000AA', '👍'));
        $out['reply_unknown'] = $error(fn () => $fleet->sendText($args['session'], $args['to'], 'x', replyTo: 'NOPE123'));
        $out['caption_on_sticker'] = $error(fn () => $fleet->send($args['session'], $args['to'], ['type' => 'sticker', 'text' => 'no captions on stickers', 'media' => MediaSource::id('med_000000000000000000000000')->toArray()]));
        $out['url_refused'] = $error(fn () => $fleet->sendImage($args['session'], $args['to'], MediaSource::url('https://10.1.2.3/a.jpg')));
        $location = $fleet->sendLocation($args['session'], $args['to'], 1.5, 2.5);
        $out['location_id'] = $location['message_id'];
        $await($location['message_id'], ['sent', 'delivered', 'read']);
        $out['edit_location'] = $error(fn () => $fleet->editMessage($location['message_id'], 'x'));
        $out['edit_unknown'] = $error(fn () => $fleet->editMessage('3EB0000000000000000000BB', 'x'));
        $out['no_connection'] = $error(fn () => (new FleetClient($args['closed_url'], $key))->uploadMedia($args['workspace'], 'image', $args['pdf_path'], 'image/jpeg'));
        break;

    default:
        fwrite(STDERR, "unknown command {$command}\n");
        exit(2);
}
echo json_encode($out, JSON_PRETTY_PRINT), "\n";
