<?php
// Drives a running Fleet's session management through FleetClient, the way a Laravel app would, and
// prints one JSON object with what each call answered (services/dispatcher/test/laravel-sessions.test.ts
// asserts on it and on what the simulator saw).
// Usage: php session-driver.php <ingress url> <api key> <command> '<json arguments>'
require __DIR__ . '/bootstrap.php';

use App\Services\Fleet\FleetApiException;
use App\Services\Fleet\FleetClient;

[, $url, $key, $command, $json] = $argv;
$args = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
$fleet = new FleetClient($url, $key);
$out = [];

/** What a failing call threw: the FleetApiException's status, code and details. */
$error = function (callable $call): ?array {
    try {
        $call();
        return null;
    } catch (FleetApiException $e) {
        return ['status' => $e->status, 'code' => $e->errorCode, 'details' => $e->details];
    }
};
/** Polls the session's status until it is `$wanted` (60 s at most); answers the last Session seen. */
$awaitStatus = function (string $sessionId, string $wanted) use ($fleet): array {
    $deadline = microtime(true) + 60;
    do {
        $session = $fleet->sessionStatus($sessionId);
        if ($session['status'] === $wanted) {
            return $session;
        }
        usleep(100000);
    } while (microtime(true) < $deadline);
    return $session;
};
/** The pending pairing code, long-polled (the worker asks WhatsApp once the socket registers). */
$awaitCode = function (string $sessionId) use ($fleet): ?array {
    $deadline = microtime(true) + 60;
    do {
        try {
            return $fleet->pairingCode($sessionId, 20);
        } catch (FleetApiException $e) {
            if ($e->errorCode !== 'PAIRING_CODE_NOT_AVAILABLE') {
                throw $e;
            }
        }
    } while (microtime(true) < $deadline);
    return null;
};

switch ($command) {
    case 'pair':
        // By the number given at creation, and by a pairing asked for afterwards (the session shows a QR meanwhile).
        $out['create_with_phone'] = $fleet->createSession($args['by_create']['session'], $args['workspace'], 1, phoneNumber: '+' . $args['by_create']['phone']);
        $out['create'] = $fleet->createSession($args['by_request']['session'], $args['workspace'], 1);
        $out['qr_before_pairing'] = $awaitStatus($args['by_request']['session'], 'qr')['status'];
        $out['pair'] = $fleet->requestPairingCode($args['by_request']['session'], '+' . $args['by_request']['phone']);
        $out['bad_number'] = $error(fn () => $fleet->requestPairingCode($args['by_request']['session'], '12'));
        $out['code_by_create'] = $awaitCode($args['by_create']['session']);
        $out['code_by_request'] = $awaitCode($args['by_request']['session']);
        break;

    case 'manage':
        [$first, $second] = $args['sessions'];
        foreach ($args['sessions'] as $session) {
            $out['connected'][$session] = $awaitStatus($session, 'connected')['status'];
        }
        // A page at a time with the cursor, then every page through the generator.
        $out['page_1'] = $fleet->listSessions($args['workspace'], 'connected', null, 1);
        $out['page_2'] = $fleet->listSessions($args['workspace'], 'connected', $out['page_1']['next_cursor'], 1);
        $out['all_ids'] = array_map(fn (array $session) => $session['session_id'], iterator_to_array($fleet->allSessions($args['workspace']), false));
        $out['searched'] = $fleet->listSessions($args['workspace'], search: $second)['sessions'];
        $out['bad_cursor'] = $error(fn () => $fleet->listSessions($args['workspace'], cursor: 'not-a-cursor'));
        $out['contacts'] = $fleet->checkContacts($first, array_map(fn (string $phone) => '+' . $phone, $args['phones']));
        $out['no_code_when_linked'] = $error(fn () => $fleet->pairingCode($first));
        $out['already_linked'] = $error(fn () => $fleet->requestPairingCode($first, '+' . $args['phones'][0]));
        $out['restart'] = $fleet->restartSession($first);
        // The proxy: refused when it is not a public host; set and removed on a stopped session (a running one would restart through it).
        $out['proxy_refused'] = $error(fn () => $fleet->setProxy($second, 'http://fleet:pr0xy-secret@10.0.0.9:3128'));
        $fleet->stopSession($second);
        $out['stopped'] = $awaitStatus($second, 'stopped')['status'];
        $out['proxy_set'] = $fleet->setProxy($second, 'socks5://fleet:pr0xy-secret@93.184.216.34:1080')['proxy'];
        $out['proxy_removed'] = $fleet->setProxy($second, null)['proxy'];
        $out['logout'] = $fleet->logoutSession($second);
        $out['logged_out'] = $awaitStatus($second, 'logged_out');
        $out['contacts_logged_out'] = $error(fn () => $fleet->checkContacts($second, ['+' . $args['phones'][0]]));
        $out['restarted'] = $awaitStatus($first, 'connected')['status'];
        break;

    default:
        fwrite(STDERR, "unknown command {$command}\n");
        exit(2);
}
echo json_encode($out, JSON_PRETTY_PRINT), "\n";
