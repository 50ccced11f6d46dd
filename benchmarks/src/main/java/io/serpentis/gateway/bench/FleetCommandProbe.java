package io.serpentis.gateway.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cross-node command latency (issue 13 point 3): clients registered on one gateway ({@code --client-url}), commands
 * POSTed on another ({@code --command-url}), and the time from each request's send to its frame at the client
 * (request on B to frame at the client on A), with the HTTP answer's time beside it. Commands go one at a time
 * (pause and resume in turn, spread over the clients), at most {@code --rate} a second, so that each measures the
 * path, not a queue. With {@code --takeover-url} (the commanding node's WebSocket URL) it then measures takeovers
 * (issue 13 point 4): a client registered on the first node registers again on the second, and the time from the
 * second registration's ack to the close frame (4001) on the first connection is recorded. Prints one JSON line:
 * counts and percentiles in microseconds.
 *
 * <pre>java -cp benchmarks.jar io.serpentis.gateway.bench.FleetCommandProbe --client-url ws://127.0.0.1:8001/ws \
 *     --command-url http://127.0.0.1:8002 --clients 20 --commands 500</pre>
 */
@Command(
        name = "fleet-command-probe",
        mixinStandardHelpOptions = true,
        description = "Cross-node command latency: POST on one node, frame at a client held by another.")
public final class FleetCommandProbe implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--client-url", required = true, description = "WebSocket URL of the node holding the clients.")
    URI clientUrl;

    @Option(names = "--command-url", required = true, description = "HTTP base URL of the node taking commands.")
    URI commandUrl;

    @Option(names = "--clients", defaultValue = "20", description = "Clients to register.")
    int clients;

    @Option(names = "--commands", defaultValue = "500", description = "Commands to send (after the warm-up).")
    int commands;

    @Option(names = "--warmup", defaultValue = "100", description = "Commands sent first and not measured.")
    int warmup;

    @Option(names = "--rate", defaultValue = "100", description = "Commands a second at most.")
    double rate;

    @Option(names = "--id-prefix", defaultValue = "probe", description = "Client ids are <prefix>-<n>.")
    String idPrefix;

    @Option(names = "--admin-token", description = "The gateways' admin token, if any.")
    String adminToken;

    @Option(
            names = "--takeover-url",
            description = "WebSocket URL of the commanding node: also measure takeovers (ack there to 4001 here).")
    URI takeoverUrl;

    @Option(names = "--takeovers", defaultValue = "200", description = "Takeovers to measure (after 20 unmeasured).")
    int takeovers;

    /** One client: its socket and the command frames it received, with when ({@link System#nanoTime()}). */
    private static final class Client implements WebSocket.Listener {
        final LinkedBlockingQueue<long[]> frames = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> acks = new LinkedBlockingQueue<>();
        /** When each ack came ({@link System#nanoTime()}). */
        final LinkedBlockingQueue<Long> ackAt = new LinkedBlockingQueue<>();
        /** The close code and when it came ({@link System#nanoTime()}). */
        final LinkedBlockingQueue<long[]> closes = new LinkedBlockingQueue<>();

        private final StringBuilder text = new StringBuilder();
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            long now = System.nanoTime();
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                if (m.startsWith("{\"command\"")) {
                    frames.add(new long[] {now});
                } else {
                    acks.add(m);
                    ackAt.add(now);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closes.add(new long[] {statusCode, System.nanoTime()});
            return null;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new FleetCommandProbe()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Client> held = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                Client c = new Client();
                c.ws = http.newWebSocketBuilder().buildAsync(clientUrl, c).get(10, TimeUnit.SECONDS);
                c.ws.sendText("{\"client_id\": \"" + idPrefix + "-" + i + "\", \"status\": {\"probe\": true}}", true)
                        .get(5, TimeUnit.SECONDS);
                if (c.acks.poll(10, TimeUnit.SECONDS) == null) {
                    throw new IllegalStateException("client " + i + " was not acknowledged");
                }
                held.add(c);
            }
            awaitListed(http);
            Histogram frame = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
            Histogram answer = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
            Map<String, Integer> failures = new LinkedHashMap<>();
            long gapNanos = (long) (1e9 / rate);
            long next = System.nanoTime();
            for (int k = 0; k < warmup + commands; k++) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                next += gapNanos;
                int i = k % clients;
                Client c = held.get(i);
                String command = (k / clients) % 2 == 0 ? "pause" : "resume";
                HttpRequest.Builder req = HttpRequest.newBuilder(
                                URI.create(commandUrl + "/clients/" + idPrefix + "-" + i + "/" + command))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody());
                if (adminToken != null) {
                    req.header("Authorization", "Bearer " + adminToken);
                }
                long sent = System.nanoTime();
                HttpResponse<String> r =
                        http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                long answered = System.nanoTime();
                if (r.statusCode() != 200) {
                    failures.merge(Integer.toString(r.statusCode()), 1, Integer::sum);
                    continue;
                }
                long[] at = c.frames.poll(5, TimeUnit.SECONDS);
                if (at == null) {
                    failures.merge("no_frame", 1, Integer::sum);
                    continue;
                }
                if (k >= warmup) {
                    frame.recordValue(Math.max(0, (at[0] - sent) / 1000));
                    answer.recordValue(Math.max(0, (answered - sent) / 1000));
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("clients", clients);
            out.put("commands", frame.getTotalCount());
            out.put("failures", failures);
            out.put("frame_latency_us", percentiles(frame));
            out.put("answer_latency_us", percentiles(answer));
            if (takeoverUrl != null) {
                Histogram closed = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
                for (int k = 0; k < 20 + takeovers; k++) {
                    long us = takeover(http, idPrefix + "-tk-" + k);
                    if (us < 0) {
                        failures.merge("takeover_" + (-us), 1, Integer::sum);
                    } else if (k >= 20) {
                        closed.recordValue(us);
                    }
                }
                out.put("takeovers", closed.getTotalCount());
                out.put("takeover_close_latency_us", percentiles(closed));
            }
            System.out.println(JSON.writeValueAsString(out));
            return failures.isEmpty() ? 0 : 1;
        } finally {
            for (Client c : held) {
                c.ws.abort();
            }
        }
    }

    /**
     * Registers {@code id} on the first node, then on the second: microseconds from the second ack to the first
     * connection's close frame, or minus a reason code (1 not acknowledged, 2 no close within 5 s, 3 another code).
     */
    private long takeover(HttpClient http, String id) throws Exception {
        String hello = "{\"client_id\": \"" + id + "\", \"status\": {\"probe\": true}}";
        Client first = new Client();
        first.ws = http.newWebSocketBuilder().buildAsync(clientUrl, first).get(10, TimeUnit.SECONDS);
        Client second = new Client();
        try {
            first.ws.sendText(hello, true).get(5, TimeUnit.SECONDS);
            if (first.acks.poll(10, TimeUnit.SECONDS) == null) {
                return -1;
            }
            second.ws =
                    http.newWebSocketBuilder().buildAsync(takeoverUrl, second).get(10, TimeUnit.SECONDS);
            second.ws.sendText(hello, true).get(5, TimeUnit.SECONDS);
            Long acked = second.ackAt.poll(10, TimeUnit.SECONDS);
            if (acked == null) {
                return -1;
            }
            long[] close = first.closes.poll(5, TimeUnit.SECONDS);
            if (close == null) {
                return -2;
            }
            return close[0] != 4001 ? -3 : Math.max(0, (close[1] - acked) / 1000);
        } finally {
            first.ws.abort();
            if (second.ws != null) {
                second.ws.abort();
            }
        }
    }

    /** Waits until the commanding node lists every client as connected (its view of the fleet has them). */
    private void awaitListed(HttpClient http) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            HttpRequest.Builder req = HttpRequest.newBuilder(
                            URI.create(commandUrl + "/api/v1/clients?state=connected" + "&limit=1&q=" + idPrefix + "-"))
                    .timeout(Duration.ofSeconds(5));
            if (adminToken != null) {
                req.header("Authorization", "Bearer " + adminToken);
            }
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                JsonNode page = JSON.readTree(r.body());
                if (page.path("matched").asInt() >= clients) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the commanding node did not list the " + clients + " clients within 30 s");
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p90", h.getValueAtPercentile(90));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("max", h.getMaxValue());
        m.put("mean", Math.round(h.getMean()));
        return m;
    }
}
