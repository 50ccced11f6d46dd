package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every transcript of PROTOCOL.md section 4 (4.1 to 4.17) replayed against the real gateway with the JDK's own
 * WebSocket and HTTP clients (a raw socket only where a well-behaved client cannot misbehave). Where the gateway
 * keeps the original's behaviour the replies are compared byte for byte; where section 7 names a weak point the
 * decided fix of the compatibility table is asserted instead, and the comment says which row.
 *
 * <p>One gateway (embedded store, default configuration) serves the whole class, so every test uses ids of its
 * own.
 */
class ProtocolTranscriptIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    /** ISO-8601 UTC with microseconds and {@code +00:00}, as the original writes timestamps (section 4.1). */
    static final String TS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00";

    static final Duration WAIT = Duration.ofSeconds(10);
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final AtomicInteger SEQ = new AtomicInteger();

    static HttpTestClient http() {
        return new HttpTestClient(gw.httpUri());
    }

    static String id(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    static WsTestClient connect() {
        return WsTestClient.connect(gw.wsUri());
    }

    /** A JSON string literal as Python's {@code json.dumps} writes it ({@code ensure_ascii}). */
    static String py(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c >= 0x20 && c <= 0x7e) {
                        b.append(c);
                    } else {
                        b.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** The original's ack, byte for byte; {@code redis_status} is {@code "embedded"} with the embedded store. */
    static String ack(String clientId, String... updated) {
        return "{\"result\": \"message_processed\", \"client_id\": " + py(clientId) + ", \"status_updated\": ["
                + Arrays.stream(updated).map(ProtocolTranscriptIT::py).collect(Collectors.joining(", "))
                + "], \"redis_status\": \"embedded\"}";
    }

    static String error(String message) {
        return "{\"error\": " + py(message) + "}";
    }

    static String command(String name) {
        return "{\"command\": \"" + name + "\"}";
    }

    /** {@code {"client_id": id, "status": status}} with {@code status} given as JSON text. */
    static String msg(String clientId, String statusJson) {
        return "{\"client_id\": " + py(clientId) + ", \"status\": " + statusJson + "}";
    }

    static String msg(String clientId) {
        return "{\"client_id\": " + py(clientId) + "}";
    }

    /** A status object of {@code n} attributes {@code "a0": value(0), ...}. */
    static String attributes(int n, IntFunction<String> valueJson) {
        return IntStream.range(0, n)
                .mapToObj(i -> "\"a" + i + "\": " + valueJson.apply(i))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    static Map<String, String> record(String clientId) {
        return http().record(clientId);
    }

    /** Waits until the client's record satisfies {@code condition}. */
    static Map<String, String> awaitRecord(String clientId, Predicate<Map<String, String>> condition) {
        return await().atMost(WAIT).until(() -> record(clientId), r -> r != null && condition.test(r));
    }

    static Map<String, String> awaitDisconnected(String clientId) {
        return awaitRecord(clientId, r -> "false".equals(r.get("connected")));
    }

    static String fixedString(int length, char c) {
        char[] chars = new char[length];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    /** Section 4.1: registration, merge, empty updates, client close, re-registration. */
    @Nested
    class Registration {

        @Test
        void registersMergesAndAcksExactlyAsTheOriginal() {
            String id = id("probe-reg");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, "{\"state\": \"idle\", \"n\": 42, \"f\": 3.5}")))
                        .isEqualTo(ack(id, "state", "n", "f", "connected", "connect_time"));
                Map<String, String> r = record(id);
                // every record also carries the server-owned last_seen, listed last
                assertThat(r.keySet()).containsExactly("state", "n", "f", "connected", "connect_time", "last_seen");
                assertThat(r)
                        .contains(
                                entry("state", "idle"),
                                entry("n", "42"),
                                entry("f", "3.5"),
                                entry("connected", "true"));
                assertThat(r.get("connect_time")).matches(TS);
                assertThat(r.get("last_seen")).matches(TS);
                String connectTime = r.get("connect_time");

                assertThat(ws.request(msg(id, "{\"state\": \"busy\", \"extra\": \"x\"}")))
                        .isEqualTo(ack(id, "state", "extra"));
                r = record(id);
                assertThat(r.keySet())
                        .containsExactly("state", "n", "f", "connected", "connect_time", "extra", "last_seen");
                assertThat(r)
                        .contains(
                                entry("state", "busy"),
                                entry("n", "42"),
                                entry("f", "3.5"),
                                entry("connected", "true"),
                                entry("connect_time", connectTime),
                                entry("extra", "x"));

                assertThat(ws.request(msg(id))).isEqualTo(ack(id));
                assertThat(ws.request(msg(id, "{}"))).isEqualTo(ack(id));
                // unknown top-level fields are ignored
                assertThat(ws.request("{\"client_id\": " + py(id) + ", \"status\": {\"x\": 1}, \"type\": \"chat\","
                                + " \"other\": [1]}"))
                        .isEqualTo(ack(id, "x"));

                ws.close(1000, "");
                r = awaitDisconnected(id);
                assertThat(r.keySet())
                        .containsExactly(
                                "state",
                                "n",
                                "f",
                                "connected",
                                "connect_time",
                                "extra",
                                "x",
                                "disconnect_time",
                                "status_detail",
                                "last_seen");
                assertThat(r)
                        .contains(
                                entry("state", "busy"),
                                entry("connected", "false"),
                                entry("connect_time", connectTime),
                                entry("x", "1"),
                                entry("status_detail", "Disconnected by client"));
                assertThat(r.get("disconnect_time")).matches(TS);
            }
        }

        @Test
        void reRegistrationIgnoresForgedServerFieldsAndClearsStaleDisconnectFields() {
            // section 4.1 tail; compatibility table rows 6 (server-owned fields) and 7 (stale fields)
            String id = id("probe-rereg");
            String firstConnectTime;
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, "{\"state\": \"busy\"}"));
                firstConnectTime = record(id).get("connect_time");
                ws.close(1000, "");
                awaitDisconnected(id);
            }
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(
                                id,
                                "{\"disconnect_time\": \"bogus\", \"status_detail\": \"bogus\","
                                        + " \"connected\": \"false\", "
                                        + "\"connect_time\": \"bogus\", \"last_seen\": \"bogus\"}")))
                        .isEqualTo(ack(id, "connected", "connect_time"));
                Map<String, String> r = record(id);
                assertThat(r.keySet()).containsExactly("state", "connected", "connect_time", "last_seen");
                assertThat(r).contains(entry("state", "busy"), entry("connected", "true"));
                assertThat(r.get("connect_time")).matches(TS).isGreaterThan(firstConnectTime);
                assertThat(r.get("last_seen")).matches(TS);
            }
        }

        @Test
        void firstMessageListsClientSentServerFieldsNowhere() {
            // section 4.1 rules ("overwritten in place if the client sent them"); table row 6: not listed at all
            String id = id("probe-forgefirst");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, "{\"connected\": \"false\", \"a\": 1}")))
                        .isEqualTo(ack(id, "a", "connected", "connect_time"));
                assertThat(record(id)).contains(entry("a", "1"), entry("connected", "true"));
            }
        }

        @Test
        void registrationWithoutStatusStoresOnlyServerFields() {
            String id = id("probe-nostatus");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id))).isEqualTo(ack(id, "connected", "connect_time"));
                Map<String, String> r = record(id);
                assertThat(r.keySet()).containsExactly("connected", "connect_time", "last_seen");
                assertThat(r.get("connected")).isEqualTo("true");
            }
        }

        @Test
        void nullStatusCountsAsNoStatus() {
            String id = id("probe-nullstatus");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, "null"))).isEqualTo(ack(id, "connected", "connect_time"));
                assertThat(ws.request(msg(id, "null"))).isEqualTo(ack(id));
                assertThat(record(id).keySet()).containsExactly("connected", "connect_time", "last_seen");
            }
        }

        @Test
        void lastSeenAdvancesWithEveryMessageOfTheOwner() {
            String id = id("probe-lastseen");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id));
                String first = record(id).get("last_seen");
                ws.request(msg(id, "{\"k\": \"v\"}"));
                String second = awaitRecord(id, r -> r.get("last_seen").compareTo(first) > 0)
                        .get("last_seen");
                // an invalid message from a registered connection still shows it is alive
                assertThat(ws.request("not a json")).isEqualTo(error("Invalid JSON format"));
                awaitRecord(id, r -> r.get("last_seen").compareTo(second) > 0);
            }
        }

        @ParameterizedTest(name = "close code {0}")
        @ValueSource(ints = {1000, 1001, 4000})
        void clientCloseMarksDisconnectedByClientAndKeepsClientState(int code) {
            String id = id("probe-close" + code);
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, "{\"client_state\": \"running\"}"));
                ws.close(code, "");
                Map<String, String> r = awaitDisconnected(id);
                assertThat(r)
                        .contains(entry("status_detail", "Disconnected by client"), entry("client_state", "running"));
                assertThat(r.get("disconnect_time")).matches(TS);
            }
        }

        @Test
        void tcpAbortWithoutCloseFrameIsRecordedAsConnectionLost() {
            // table row 4: every way a connection ends is recorded, with a status_detail that says why
            String id = id("probe-abort");
            WsTestClient ws = connect();
            ws.request(msg(id, "{\"client_state\": \"running\"}"));
            ws.abort();
            Map<String, String> r = awaitDisconnected(id);
            assertThat(r).contains(entry("status_detail", "Connection lost"), entry("client_state", "running"));
            assertThat(r.get("disconnect_time")).matches(TS);
        }
    }

    /** Section 4.2: invalid JSON is answered and the connection stays open. */
    @Nested
    class InvalidJson {

        @Test
        void invalidJsonIsAnsweredAndConnectionStaysOpen() {
            String id = id("probe-afterbad");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request("not a json")).isEqualTo(error("Invalid JSON format"));
                assertThat(ws.request("")).isEqualTo(error("Invalid JSON format"));
                assertThat(ws.request("{\"client_id\": \"x\",}")).isEqualTo(error("Invalid JSON format"));
                assertThat(ws.request(msg(id) + " trailing")).isEqualTo(error("Invalid JSON format"));
                assertThat(ws.request(msg(id))).isEqualTo(ack(id, "connected", "connect_time"));
                assertThat(ws.request("{\"client_id\": " + py(id) + ", ")).isEqualTo(error("Invalid JSON format"));
                assertThat(ws.request(msg(id))).isEqualTo(ack(id));
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"NaN", "Infinity", "-Infinity"})
        void nanAndInfinityAreInvalidJson(String literal) {
            // section 4.6 second message; table row 8: NaN/Infinity are invalid JSON, nothing is stored
            String id = id("probe-nan");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, "{\"v\": " + literal + "}"))).isEqualTo(error("Invalid JSON format"));
                assertThat(record(id)).isNull();
                assertThat(ws.request(msg(id, "{\"k\": 1}"))).isEqualTo(ack(id, "k", "connected", "connect_time"));
                assertThat(ws.request(msg(id, "{\"k\": 2, \"v\": " + literal + "}")))
                        .isEqualTo(error("Invalid JSON format"));
                assertThat(record(id)).containsEntry("k", "1").doesNotContainKey("v");
            }
        }
    }

    /** Sections 4.3 and 4.5: missing, empty and non-string client ids. */
    @Nested
    class ClientIds {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"{\"status\": {\"k\": \"v\"}}", "{\"client_id\": \"\"}", "{\"client_id\": null}", "{}"})
        void missingClientIdIsAnsweredThenClosedWith1000(String message) {
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(message)).isEqualTo(error("client_id is required"));
                assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"v\\ud800\"", "\"\\udc00\"", "\"a\\ud83d\\ud83d\""})
        void clientIdWithAnUnpairedSurrogateIsAnsweredThenClosedWith1000(String clientIdJson) {
            // issue 11 point 3: not text, so such an id was stored as "v?", over another client's record
            try (WsTestClient ws = connect()) {
                assertThat(ws.request("{\"client_id\": " + clientIdJson + ", \"status\": {\"k\": \"v\"}}"))
                        .isEqualTo(error(
                                "client_id must be valid Unicode (an unpaired surrogate escape is not); nothing was"
                                        + " stored"));
                assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"0", "false", "123", "1.5", "true", "[1]", "[]", "{}", "{\"a\": 1}"})
        void nonStringClientIdIsAnsweredThenClosedWith1000(String clientIdJson) {
            // section 4.5; table row 8: client_id must be a non-empty JSON string
            try (WsTestClient ws = connect()) {
                assertThat(ws.request("{\"client_id\": " + clientIdJson + ", \"status\": {\"k\": \"v\"}}"))
                        .isEqualTo(error("client_id must be a non-empty JSON string"));
                assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
            }
            JsonNode clients = http().statuses().get("clients");
            for (String stringified : new String[] {clientIdJson, "True", "False", "None"}) {
                assertThat(clients.has(stringified))
                        .as("listed as %s", stringified)
                        .isFalse();
            }
        }

        @Test
        void idsWithColonOrOnlySpacesAreStoredAndListedIntact() {
            // section 4.5 ("with:colon" was listed as "with"); table row 10: listing never parses keys
            String colon = id("with:colon");
            String blank = "  ";
            try (WsTestClient a = connect();
                    WsTestClient b = connect()) {
                assertThat(a.request(msg(colon, "{\"k\": \"v\"}")))
                        .isEqualTo(ack(colon, "k", "connected", "connect_time"));
                assertThat(b.request(msg(blank, "{\"k\": \"v\"}")))
                        .isEqualTo(ack(blank, "k", "connected", "connect_time"));
                JsonNode statuses = http().statuses();
                assertThat(HttpTestClient.record(statuses, colon)).containsEntry("k", "v");
                assertThat(HttpTestClient.record(statuses, blank)).containsEntry("k", "v");
                assertThat(statuses.get("clients").has("with")).isFalse();
            }
        }
    }

    /** Section 4.4: valid JSON that is not an object. */
    @Nested
    class NonObjectMessages {

        @Test
        void nonObjectMessageIsRejectedAndConnectionStaysOpen() {
            // table row 8: a clear error instead of "Internal server error processing message"
            String id = id("probe-nonobj");
            try (WsTestClient ws = connect()) {
                boolean registered = false;
                for (String message : new String[] {"[1,2]", "42", "\"str\"", "null", "true"}) {
                    assertThat(ws.request(message)).as(message).isEqualTo(error("Message must be a JSON object"));
                    String expected = registered ? ack(id) : ack(id, "connected", "connect_time");
                    assertThat(ws.request(msg(id))).as("after " + message).isEqualTo(expected);
                    registered = true;
                }
                assertThat(record(id)).containsEntry("connected", "true");
            }
        }
    }

    /** Section 4.6: value types; table row 8: values are stored as their JSON text. */
    @Nested
    class ValueTypes {

        @Test
        void valuesAreStoredAsTheirJsonText() {
            String id = id("probe-types");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(
                                id,
                                "{\"int\": 1, \"float\": 0.1, \"big\": 1e+100, \"bool\": true,"
                                        + " \"null\": null, \"list\": [1, \"a\"], \"obj\": {\"b\": 1}, \"str\": \"s\","
                                        + " \"uni\": \"\u017c\u00f3\u0142w\ud83d\udc0d\", \"empty\": \"\"}")))
                        .isEqualTo(ack(
                                id,
                                "int",
                                "float",
                                "big",
                                "bool",
                                "null",
                                "list",
                                "obj",
                                "str",
                                "uni",
                                "empty",
                                "connected",
                                "connect_time"));
                assertThat(ws.request(msg(
                                id,
                                "{\"n42\": 42, \"f35\": 3.5, \"false\": false, \"neg\": -0.0,"
                                        + " \"exp\": 1E5, \"huge\": 1e400, "
                                        + "\"nested\": {\"a\": [1, {\"b\": null}], \"c\": \"\u017c\"}}")))
                        .isEqualTo(ack(id, "n42", "f35", "false", "neg", "exp", "huge", "nested"));
                Map<String, String> r = record(id);
                assertThat(r)
                        .contains(
                                entry("int", "1"),
                                entry("float", "0.1"),
                                entry("big", "1e+100"),
                                entry("bool", "true"),
                                entry("null", "null"),
                                entry("list", "[1,\"a\"]"),
                                entry("obj", "{\"b\":1}"),
                                entry("str", "s"),
                                entry("uni", "\u017c\u00f3\u0142w\ud83d\udc0d"),
                                entry("empty", ""),
                                entry("n42", "42"),
                                entry("f35", "3.5"),
                                entry("false", "false"),
                                entry("neg", "-0.0"),
                                entry("exp", "1E5"),
                                entry("huge", "1e400"),
                                entry("nested", "{\"a\":[1,{\"b\":null}],\"c\":\"\u017c\"}"));
            }
        }

        @Test
        void numbersInsideArraysAndObjectsKeepTheirTextAsSent() {
            // table row 8: "values are stored as their JSON text"; compaction must not reformat numbers
            String id = id("probe-nestednum");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(
                                id,
                                "{\"nums\": [1e+100, 0.10, -0.0, 1E5, 12345678901234567890123],"
                                        + " \"obj\": {\"x\": 2.50}}")))
                        .isEqualTo(ack(id, "nums", "obj", "connected", "connect_time"));
                assertThat(record(id))
                        .contains(
                                entry("nums", "[1e+100,0.10,-0.0,1E5,12345678901234567890123]"),
                                entry("obj", "{\"x\":2.50}"));
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(
                strings = {
                    "{\"a\": 1, \"b\": 2, \"a\": 3}",
                    "{\"a\": {\"x\": 1, \"x\": 2}}",
                    "{\"a\": [{\"x\": 1}, {\"x\": 1, \"\\u0078\": 2}]}"
                })
        void repeatedNameIsRefusedAndNothingStored(String status) {
            // issue 11 point 6: json.loads let the last copy win, so a proxy reading the first saw another request
            String id = id("probe-dupkey");
            try (WsTestClient ws = connect()) {
                String name = status.contains("\"x\"") ? "x" : "a";
                assertThat(ws.request(msg(id, status)))
                        .isEqualTo(error("Duplicate key '" + name + "' in message; nothing was stored"));
                assertThat(record(id)).isNull();
                // like invalid JSON, the connection stays open
                assertThat(ws.request(msg(id, "{\"a\": 1}"))).isEqualTo(ack(id, "a", "connected", "connect_time"));
            }
        }

        @Test
        void repeatedTopLevelKeyIsRefusedOnARegisteredConnection() {
            String id = id("probe-dupid");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id))).isEqualTo(ack(id, "connected", "connect_time"));
                assertThat(ws.request("{\"client_id\": " + py(id) + ", \"status\": {\"k\": 1}, \"client_id\": " + py(id)
                                + "}"))
                        .isEqualTo(error("Duplicate key 'client_id' in message; nothing was stored"));
                assertThat(record(id)).doesNotContainKey("k").containsEntry("connected", "true");
                assertThat(ws.request(msg(id, "{\"k\": 2}"))).isEqualTo(ack(id, "k"));
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"v\\ud800\"", "[\"\\udc00\"]", "{\"n\": \"x\\ud83d\"}"})
        void valueWithAnUnpairedSurrogateIsRefusedAndNothingStored(String value) {
            // issue 11 point 3: such a value is not text; stored, it came back as '?' or broke JSON encoders
            String id = id("probe-surrogate-value");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, "{\"k\": " + value + "}")))
                        .isEqualTo(error("attribute names and values"
                                + " must be valid Unicode (an unpaired surrogate escape is not): "
                                + "the value of 'k'; nothing was"
                                + " stored"));
                assertThat(ws.request(msg(id, "{\"\\ud800\": 1}")))
                        .isEqualTo(error("attribute names and values"
                                + " must be valid Unicode (an unpaired surrogate escape is not); nothing was stored"));
                assertThat(record(id)).isNull();
                assertThat(ws.request(msg(id, "{\"k\": \"\\ud83d\\udc0d\"}")))
                        .isEqualTo(ack(id, "k", "connected", "connect_time"));
                assertThat(record(id)).containsEntry("k", "\ud83d\udc0d");
            }
        }

        @Test
        void nonAsciiNamesAndControlCharactersAreEscapedInAcks() {
            String id = id("probe-esc \u017c\ud83d\udc0d \"q\" \\");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, "{\"\u017c\u00f3\u0142w\": 1, \"tab\\t\\u007f\": 2}")))
                        .isEqualTo(ack(id, "\u017c\u00f3\u0142w", "tab\t\u007f", "connected", "connect_time"));
                assertThat(record(id)).contains(entry("\u017c\u00f3\u0142w", "1"), entry("tab\t\u007f", "2"));
            }
        }
    }

    /** Section 4.7: a status that is not an object. */
    @Nested
    class StatusNotAnObject {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"str\"", "[1, 2]", "5", "[]", "\"\""})
        void nonObjectStatusOnFirstMessageIsRejectedAndNothingIsStored(String status) {
            // table rows 8 and 9: a clear error, nothing registered, the connection stays open
            String id = id("probe-stnotobj");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id, status))).isEqualTo(error("status must be a JSON object"));
                assertThat(record(id)).isNull();
                assertThat(ws.request(msg(id, "{\"k\": \"v\"}"))).isEqualTo(ack(id, "k", "connected", "connect_time"));
                assertThat(record(id)).contains(entry("k", "v"), entry("connected", "true"));
                HttpResponse<String> pause = http().command(id, "pause");
                assertThat(pause.statusCode()).isEqualTo(200);
                assertThat(ws.next()).isEqualTo(command("pause"));
            }
        }

        @Test
        void nonObjectStatusAfterRegistrationIsRejectedAndConnectionStaysOpen() {
            String id = id("probe-stnotobj-reg");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, "{\"k\": \"v\"}"));
                for (String status : new String[] {"\"str\"", "5", "[1, 2]", "[]", "\"\""}) {
                    assertThat(ws.request(msg(id, status))).as(status).isEqualTo(error("status must be a JSON object"));
                }
                assertThat(ws.request(msg(id, "null"))).isEqualTo(ack(id));
                assertThat(ws.request(msg(id, "{\"k\": \"w\"}"))).isEqualTo(ack(id, "k"));
                assertThat(record(id)).containsEntry("k", "w");
            }
        }
    }

    /** Section 4.8: pause and resume. */
    @Nested
    class PauseResume {

        @Test
        void pauseAndResumeReachTheClientAndSetClientState() {
            String id = id("probe-pr");
            try (WsTestClient ws = connect();
                    WsTestClient bystander = connect()) {
                String other = id("probe-pr-bystander");
                bystander.request(msg(other));
                assertThat(ws.request(msg(id, "{\"client_state\": \"running\"}")))
                        .isEqualTo(ack(id, "client_state", "connected", "connect_time"));

                HttpResponse<String> pause = http().command(id, "pause");
                assertThat(pause.statusCode()).isEqualTo(200);
                assertThat(pause.headers().firstValue("content-type")).hasValue("application/json");
                assertThat(pause.body()).isEqualTo("{\"message\":\"Pause command sent to client " + id + ".\"}");
                assertThat(ws.next()).isEqualTo(command("pause"));
                // the server writes client_state as soon as the frame is sent, before any acknowledgement
                Map<String, String> r = record(id);
                assertThat(r.keySet()).containsExactly("client_state", "connected", "connect_time", "last_seen");
                assertThat(r).containsEntry("client_state", "paused").containsEntry("connected", "true");

                // not state-checked
                assertThat(http().command(id, "pause").body())
                        .isEqualTo("{\"message\":\"Pause command sent to client " + id + ".\"}");
                assertThat(ws.next()).isEqualTo(command("pause"));

                HttpResponse<String> resume = http().command(id, "resume");
                assertThat(resume.statusCode()).isEqualTo(200);
                assertThat(resume.body()).isEqualTo("{\"message\":\"Resume command sent to client " + id + ".\"}");
                assertThat(ws.next()).isEqualTo(command("resume"));
                assertThat(record(id)).containsEntry("client_state", "running");
                assertThat(http().command(id, "resume").statusCode()).isEqualTo(200);
                assertThat(ws.next()).isEqualTo(command("resume"));

                // commands go only to the target's socket: the bystander's next message is its own ack
                assertThat(bystander.request(msg(other))).isEqualTo(ack(other));

                ws.close(1000, "");
                awaitDisconnected(id);
                for (String c : new String[] {"pause", "resume"}) {
                    HttpResponse<String> gone = http().command(id, c);
                    assertThat(gone.statusCode()).isEqualTo(404);
                    assertThat(gone.body()).isEqualTo("{\"detail\":\"Client " + id + " not found or not connected.\"}");
                }
            }
        }

        @Test
        void commandsForUnknownClientsAnswer404() {
            for (String c : new String[] {"pause", "resume"}) {
                String id = id("does-not-exist");
                HttpResponse<String> r = http().command(id, c);
                assertThat(r.statusCode()).isEqualTo(404);
                assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
                assertThat(r.body()).isEqualTo("{\"detail\":\"Client " + id + " not found or not connected.\"}");
            }
        }
    }

    /** Section 4.9: server-initiated disconnect; table rows 12, 15 and 17. */
    @Nested
    class ServerDisconnect {

        @Test
        void disconnectAnswersAtOnceThenClosesAfterTheGrace() {
            String id = id("probe-sd");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, "{\"client_state\": \"running\"}"));
                HttpResponse<String> r = http().command(id, "disconnect");
                // row 12: the reply does not wait for the close handshake (the grace alone is 1 s)
                assertThat(ws.isClosed()).isFalse();
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body())
                        .isEqualTo("{\"message\":\"Client " + id + " disconnected successfully by server.\"}");
                assertThat(ws.next()).isEqualTo(command("disconnect"));
                // row 17: the client gets a grace (default 1 s) before the server's own close frame
                await().atLeast(Duration.ofMillis(500)).atMost(WAIT).until(ws::isClosed);
                assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, "Server initiated disconnect"));

                Map<String, String> rec = awaitDisconnected(id);
                assertThat(rec.keySet())
                        .containsExactly(
                                "client_state",
                                "connected",
                                "connect_time",
                                "disconnect_time",
                                "status_detail",
                                "last_seen");
                assertThat(rec)
                        .contains(
                                entry("client_state", "offline"),
                                entry("connected", "false"),
                                entry("status_detail", "Disconnected by server"));
                assertThat(rec.get("disconnect_time")).matches(TS);

                HttpResponse<String> again = http().command(id, "disconnect");
                assertThat(again.statusCode()).isEqualTo(404);
                assertThat(again.body()).isEqualTo("{\"detail\":\"Client " + id + " already disconnected.\"}");
                for (String c : new String[] {"pause", "resume"}) {
                    HttpResponse<String> gone = http().command(id, c);
                    assertThat(gone.statusCode()).isEqualTo(404);
                    assertThat(gone.body()).isEqualTo("{\"detail\":\"Client " + id + " not found or not connected.\"}");
                }
            }
        }

        @Test
        void secondDisconnectDuringTheGraceAnswersAlreadyDisconnected() {
            String id = id("probe-sd-twice");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id));
                assertThat(http().command(id, "disconnect").statusCode()).isEqualTo(200);
                HttpResponse<String> again = http().command(id, "disconnect");
                assertThat(again.statusCode()).isEqualTo(404);
                assertThat(again.body()).isEqualTo("{\"detail\":\"Client " + id + " already disconnected.\"}");
                assertThat(ws.next()).isEqualTo(command("disconnect"));
                assertThat(ws.awaitClose().code()).isEqualTo(1000);
            }
        }

        @Test
        void clientClosingWithinTheGraceIsStillDisconnectedByServerExactlyOnce() {
            // rows 15 and 17: the client acknowledges and closes by itself; one disconnect record, by server
            String id = id("probe-sd-self");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, "{\"client_state\": \"running\"}"));
                assertThat(http().command(id, "disconnect").statusCode()).isEqualTo(200);
                assertThat(ws.next()).isEqualTo(command("disconnect"));
                assertThat(ws.request(msg(id, "{\"acknowledged_command\": \"disconnect\"}")))
                        .isEqualTo(ack(id, "acknowledged_command"));
                ws.close(1000, "");
                assertThat(ws.awaitClose().code()).isEqualTo(1000);

                Map<String, String> rec = awaitDisconnected(id);
                assertThat(rec)
                        .contains(
                                entry("status_detail", "Disconnected by server"),
                                entry("client_state", "offline"),
                                entry("acknowledged_command", "disconnect"));
                String disconnectTime = rec.get("disconnect_time");
                // the grace timer firing later must not write a second record
                await().during(Duration.ofMillis(1500))
                        .atMost(WAIT)
                        .until(
                                () -> record(id),
                                now -> disconnectTime.equals(now.get("disconnect_time"))
                                        && "Disconnected by server".equals(now.get("status_detail")));
            }
        }

        @Test
        void unresponsivePeerIsForceClosedAfterTheCloseTimeout() throws IOException {
            // row 12: a peer that never finishes the close handshake is force-closed after a timeout
            String id = id("probe-sd-deaf");
            try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
                raw.sendText(msg(id));
                assertThat(raw.readUntil(RawWsClient.TEXT).text()).isEqualTo(ack(id, "connected", "connect_time"));
                assertThat(http().command(id, "disconnect").statusCode()).isEqualTo(200);
                assertThat(raw.readUntil(RawWsClient.TEXT).text()).isEqualTo(command("disconnect"));
                RawWsClient.Frame close = raw.readUntil(RawWsClient.CLOSE);
                assertThat(close.closeCode()).isEqualTo(1000);
                assertThat(close.closeReason()).isEqualTo("Server initiated disconnect");
                // never answer: the server must drop TCP by itself (close timeout 3 s < read timeout 10 s)
                assertThat(raw.awaitEof()).isTrue();
            }
            assertThat(awaitDisconnected(id))
                    .containsEntry("status_detail", "Disconnected by server")
                    .containsEntry("client_state", "offline");
        }

        @Test
        void disconnectOfUnknownClientAnswers404() {
            String id = id("probe-never");
            HttpResponse<String> r = http().command(id, "disconnect");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"detail\":\"Client " + id + " not found or not actively connected.\"}");
        }
    }

    /** Section 4.10: frame-level behaviour, with a raw socket where the JDK client would refuse. */
    @Nested
    class FrameLevel {

        @Test
        void closesWith1009AsSoonAsAFrameHeaderAnnouncesTooMuch() throws IOException {
            try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
                assertThat(raw.upgraded()).isTrue();
                ByteArrayOutputStream header = new ByteArrayOutputStream();
                header.write(0x81); // FIN + text
                header.write(0x80 | 127); // masked, 64-bit length follows
                long announced = 17L * 1024 * 1024;
                for (int i = 7; i >= 0; i--) {
                    header.write((int) (announced >>> (8 * i)));
                }
                header.writeBytes(new byte[] {1, 2, 3, 4}); // mask key; no payload follows
                raw.writeRaw(header.toByteArray());
                assertThat(raw.readUntil(RawWsClient.CLOSE).closeCode()).isEqualTo(1009);
                assertThat(raw.awaitEof()).isTrue();
            }
        }

        @Test
        void closesWith1009WhenFrameExceedsLimit() {
            // table row 2: frames over 64 KiB close with 1009; the client is marked disconnected
            String id = id("probe-bigframe");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id));
                ws.send(msg(id, "{\"v\": \"" + fixedString(70_000, 'x') + "\"}"));
                assertThat(ws.awaitClose().code()).isEqualTo(1009);
            }
            assertThat(awaitDisconnected(id).get("status_detail")).startsWith("Protocol error");
        }

        @Test
        void closesWith1009WhenFragmentedMessageExceedsLimit() throws IOException {
            String id = id("probe-bigmsg");
            try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
                raw.sendText(msg(id));
                raw.readUntil(RawWsClient.TEXT);
                byte[] part = ("\"" + fixedString(40_000, 'x')).getBytes(StandardCharsets.US_ASCII);
                raw.send(false, RawWsClient.TEXT, part, true);
                raw.send(true, 0x0, part, true); // continuation: 80,000 bytes in all
                assertThat(raw.readUntil(RawWsClient.CLOSE).closeCode()).isEqualTo(1009);
            }
            assertThat(awaitDisconnected(id).get("status_detail")).startsWith("Protocol error");
        }

        @Test
        void acceptsAMessageJustUnderTheFrameLimit() {
            String id = id("probe-nearlimit");
            try (WsTestClient ws = connect()) {
                String message = msg(id, attributes(7, i -> "\"" + fixedString(8_000, 'x') + "\""));
                assertThat(message.length()).isBetween(56_000, 65_536);
                assertThat(ws.request(message))
                        .isEqualTo(ack(id, "a0", "a1", "a2", "a3", "a4", "a5", "a6", "connected", "connect_time"));
                assertThat(record(id).get("a6")).hasSize(8_000);
            }
        }

        @Test
        void closesWith1007OnInvalidUtf8() throws IOException {
            String id = id("probe-utf8");
            try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
                raw.sendText(msg(id));
                raw.readUntil(RawWsClient.TEXT);
                raw.send(RawWsClient.TEXT, new byte[] {'"', (byte) 0xc3, 0x28, '"'});
                assertThat(raw.readUntil(RawWsClient.CLOSE).closeCode()).isEqualTo(1007);
            }
            assertThat(awaitDisconnected(id).get("status_detail")).startsWith("Protocol error");
        }

        @Test
        void closesWith1002OnUnmaskedFrame() throws IOException {
            // RFC 6455 section 5.1: a server must close the connection on an unmasked client frame
            try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
                raw.send(true, RawWsClient.TEXT, msg(id("probe-unmasked")).getBytes(StandardCharsets.UTF_8), false);
                assertThat(raw.readUntil(RawWsClient.CLOSE).closeCode()).isEqualTo(1002);
            }
        }

        @Test
        void upgradeWithoutSecWebSocketKeyIsRejectedWith400() throws IOException {
            URI ws = gw.wsUri();
            String response = rawHttp(
                    ws,
                    "GET " + ws.getPath() + " HTTP/1.1\r\nHost: " + ws.getHost() + ":" + ws.getPort()
                            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 400 ");
            assertThat(response.toLowerCase()).contains("content-type: application/json");
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            JsonNode json = JSON.readTree(body);
            assertThat(json.propertyNames()).containsExactly("detail");
            assertThat(json.get("detail").stringValue()).contains("Sec-WebSocket-Key");
        }

        @Test
        void upgradeFromAnyOriginIsAcceptedWhenNoAllowlistIsConfigured() throws IOException {
            try (RawWsClient raw = RawWsClient.connect(gw.wsUri(), "Origin: http://evil.example")) {
                assertThat(raw.upgraded()).isTrue();
            }
        }
    }

    /** Section 4.11: binary frames; table rows 4 and 13. */
    @Nested
    class BinaryFrames {

        @Test
        void binaryFrameOnUnregisteredSocketClosesWith1003() {
            try (WsTestClient ws = connect()) {
                ws.sendBinary("{\"client_id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(ws.awaitClose().code()).isEqualTo(1003);
            }
        }

        @Test
        void binaryFrameClosesWith1003AndMarksTheClientDisconnected() throws InterruptedException {
            String id = id("probe-bin");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id))).isEqualTo(ack(id, "connected", "connect_time"));
                ws.sendBinary("hello".getBytes(StandardCharsets.UTF_8));
                assertThat(ws.awaitClose().code()).isEqualTo(1003);
                String before = ws.poll(Duration.ZERO); // an error frame may precede the close
                if (before != null) {
                    assertThat(JSON.readTree(before).propertyNames()).containsExactly("error");
                }
            }
            Map<String, String> r = awaitDisconnected(id);
            assertThat(r.get("status_detail")).startsWith("Protocol error");
            assertThat(r.get("disconnect_time")).matches(TS);
            assertThat(http().command(id, "pause").statusCode()).isEqualTo(404);
        }
    }

    /** Section 4.12: the same client_id from two sockets; table row 5. */
    @Nested
    class DuplicateIds {

        @Test
        void newerConnectionTakesTheIdOverAndTheOlderIsClosedWith4001() throws InterruptedException {
            String id = id("probe-dup");
            try (WsTestClient a = connect();
                    WsTestClient b = connect()) {
                assertThat(a.request(msg(id, "{\"who\": \"A\"}")))
                        .isEqualTo(ack(id, "who", "connected", "connect_time"));
                String firstConnectTime = record(id).get("connect_time");
                assertThat(b.request(msg(id, "{\"who\": \"B\"}")))
                        .isEqualTo(ack(id, "who", "connected", "connect_time"));

                WsTestClient.Close closed = a.awaitClose();
                assertThat(closed.code()).isEqualTo(4001);
                assertThat(closed.reason()).isNotEmpty();
                assertThat(a.poll(Duration.ZERO)).isNull();

                // the older connection's close does not mark the client disconnected
                HttpResponse<String> pause = http().command(id, "pause");
                assertThat(pause.statusCode()).isEqualTo(200);
                assertThat(b.next()).isEqualTo(command("pause"));
                Map<String, String> r = record(id);
                assertThat(r)
                        .contains(entry("who", "B"), entry("connected", "true"), entry("client_state", "paused"))
                        .doesNotContainKeys("disconnect_time", "status_detail");
                assertThat(r.get("connect_time")).isGreaterThan(firstConnectTime);
                assertThat(b.request(msg(id, "{\"still\": \"here\"}"))).isEqualTo(ack(id, "still"));

                b.close(1000, "");
                assertThat(awaitDisconnected(id)).containsEntry("status_detail", "Disconnected by client");
            }
        }
    }

    /** Section 4.13: one socket switching client_id; table row 4. */
    @Nested
    class SwitchingClientId {

        @Test
        void secondIdOnTheSameSocketIsRejectedAndTheFirstStaysRegistered() {
            String first = id("probe-sw1");
            String second = id("probe-sw2");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(first))).isEqualTo(ack(first, "connected", "connect_time"));
                JsonNode reply = JSON.readTree(ws.request(msg(second, "{\"k\": \"v\"}")));
                assertThat(reply.propertyNames()).containsExactly("error");
                assertThat(reply.get("error").stringValue()).contains("client_id");
                assertThat(record(second)).isNull();
                assertThat(record(first)).containsEntry("connected", "true").doesNotContainKey("k");

                assertThat(http().command(first, "pause").statusCode()).isEqualTo(200);
                assertThat(ws.next()).isEqualTo(command("pause"));
                assertThat(http().command(second, "pause").statusCode()).isEqualTo(404);
                assertThat(ws.request(msg(first, "{\"k\": \"v\"}"))).isEqualTo(ack(first, "k"));

                ws.close(1000, "");
                assertThat(awaitDisconnected(first)).containsEntry("status_detail", "Disconnected by client");
                assertThat(record(second)).isNull();
            }
        }
    }

    /** Section 4.14: missing client_id after registration; table row 4 (no ghost). */
    @Nested
    class MissingIdAfterRegistration {

        @Test
        void missingIdAfterRegistrationClosesAndMarksTheClientDisconnected() {
            String id = id("probe-ghost");
            try (WsTestClient ws = connect()) {
                assertThat(ws.request(msg(id))).isEqualTo(ack(id, "connected", "connect_time"));
                assertThat(ws.request("{\"status\": {\"k\": \"v\"}}")).isEqualTo(error("client_id is required"));
                assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
            }
            Map<String, String> r = awaitDisconnected(id);
            assertThat(r).doesNotContainKey("k");
            assertThat(r.get("status_detail")).startsWith("Protocol error");
            assertThat(r.get("disconnect_time")).matches(TS);
            HttpResponse<String> pause = http().command(id, "pause");
            assertThat(pause.statusCode()).isEqualTo(404);
            assertThat(pause.body()).isEqualTo("{\"detail\":\"Client " + id + " not found or not connected.\"}");
            HttpResponse<String> disconnect = http().command(id, "disconnect");
            assertThat(disconnect.statusCode()).isEqualTo(404);
            assertThat(disconnect.body()).isEqualTo("{\"detail\":\"Client " + id + " already disconnected.\"}");
        }
    }

    /** Section 4.15: client-forged server fields; table row 6. */
    @Nested
    class ForgedServerFields {

        @Test
        void forgedServerFieldsAreIgnoredAndNotListed() {
            String id = id("probe-forge");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id));
                Map<String, String> before = record(id);
                assertThat(ws.request(msg(
                                id,
                                "{\"connected\": \"false\", \"disconnect_time\":"
                                        + " \"2000-01-01T00:00:00+00:00\", "
                                        + "\"status_detail\": \"Disconnected by server\","
                                        + " \"connect_time\": \"1999\", \"last_seen\": \"1999\"}")))
                        .isEqualTo(ack(id));
                Map<String, String> r = record(id);
                assertThat(r.keySet()).containsExactly("connected", "connect_time", "last_seen");
                assertThat(r).contains(entry("connected", "true"), entry("connect_time", before.get("connect_time")));
                assertThat(r.get("last_seen")).matches(TS);
                assertThat(http().command(id, "pause").statusCode()).isEqualTo(200);
                assertThat(ws.next()).isEqualTo(command("pause"));
            }
        }
    }

    /** Section 4.16: size limits; table row 2 (defaults: 128-byte ids, 128 attributes, 8 KiB values). */
    @Nested
    class SizeLimits {

        /** The reply is {@code {"error": ...}} naming {@code limit}. */
        void assertLimitError(String reply, String limit) {
            JsonNode json = JSON.readTree(reply);
            assertThat(json.propertyNames()).containsExactly("error");
            assertThat(json.get("error").stringValue()).contains(limit);
        }

        @Test
        void clientIdOverTheLimitIsRejectedAndConnectionStaysOpen() {
            String tooLong = id("probe-longid") + fixedString(128, 'x');
            String exact = fixedString(128 - 6, 'y') + String.format("%06d", SEQ.incrementAndGet());
            String multiByte = "\u017c".repeat(65); // 130 UTF-8 bytes in 65 characters
            try (WsTestClient ws = connect()) {
                assertLimitError(ws.request(msg(tooLong, "{\"k\": 1}")), "max-client-id-bytes");
                assertLimitError(ws.request(msg(multiByte, "{\"k\": 1}")), "max-client-id-bytes");
                assertThat(ws.request(msg(exact))).isEqualTo(ack(exact, "connected", "connect_time"));
            }
            JsonNode clients = http().statuses().get("clients");
            assertThat(clients.has(tooLong)).isFalse();
            assertThat(clients.has(multiByte)).isFalse();
            assertThat(clients.has(exact)).isTrue();
        }

        @Test
        void tooManyAttributesInOneMessageAreRejectedAndNothingIsStored() {
            String id = id("probe-attrs");
            try (WsTestClient ws = connect()) {
                assertLimitError(ws.request(msg(id, attributes(129, Integer::toString))), "max-attributes-per-message");
                assertThat(record(id)).isNull();
                String[] expected =
                        IntStream.range(0, 128).mapToObj(i -> "a" + i).toArray(String[]::new);
                String[] withServer = Arrays.copyOf(expected, 130);
                withServer[128] = "connected";
                withServer[129] = "connect_time";
                assertThat(ws.request(msg(id, attributes(128, Integer::toString))))
                        .isEqualTo(ack(id, withServer));
                assertLimitError(
                        ws.request(msg(id, attributes(129, i -> "\"changed\""))), "max-attributes-per-message");
                Map<String, String> r = record(id);
                assertThat(r).containsEntry("a0", "0").doesNotContainKey("a128");
                assertThat(r.keySet()).hasSize(128 + 3);
            }
        }

        @Test
        void valueOverTheLimitIsRejectedAndNothingIsStored() {
            String id = id("probe-bigvalue");
            try (WsTestClient ws = connect()) {
                String tooBig = "\"" + fixedString(8193, 'x') + "\"";
                assertLimitError(ws.request(msg(id, "{\"ok\": 1, \"v\": " + tooBig + "}")), "max-value-bytes");
                assertThat(record(id)).isNull();
                String exact = fixedString(8192, 'x');
                assertThat(ws.request(msg(id, "{\"v\": \"" + exact + "\"}")))
                        .isEqualTo(ack(id, "v", "connected", "connect_time"));
                // a structured value counts with its JSON text
                String bigArray =
                        IntStream.range(0, 3000).mapToObj(i -> "123").collect(Collectors.joining(", ", "[", "]"));
                assertLimitError(ws.request(msg(id, "{\"v\": 1, \"list\": " + bigArray + "}")), "max-value-bytes");
                assertThat(record(id)).containsEntry("v", exact).doesNotContainKey("list");
            }
        }

        @Test
        void attributeNameOverTheLimitIsRejected() {
            String id = id("probe-longname");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id));
                assertLimitError(
                        ws.request(msg(id, "{\"" + fixedString(129, 'n') + "\": 1}")), "max-attribute-name-bytes");
                assertThat(record(id).keySet()).containsExactly("connected", "connect_time", "last_seen");
            }
        }

        @Test
        void perClientLimitsAreEnforcedAcrossMessages() {
            String id = id("probe-perclient");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, attributes(128, Integer::toString)));
                String more = IntStream.range(0, 128)
                        .mapToObj(i -> "\"b" + i + "\": " + i)
                        .collect(Collectors.joining(", ", "{", "}"));
                assertThat(JSON.readTree(ws.request(msg(id, more))).has("result"))
                        .isTrue();
                assertLimitError(ws.request(msg(id, "{\"one_more\": 1}")), "max-attributes-per-client");
                assertThat(record(id)).doesNotContainKey("one_more").hasSize(256 + 3);
            }
            String big = id("probe-perclient-bytes");
            try (WsTestClient ws = connect()) {
                ws.request(msg(big, attributes(5, i -> "\"" + fixedString(8000, 'x') + "\"")));
                String next = IntStream.range(0, 4)
                        .mapToObj(i -> "\"b" + i + "\": \"" + fixedString(8000, 'y') + "\"")
                        .collect(Collectors.joining(", ", "{", "}"));
                assertLimitError(ws.request(msg(big, next)), "max-client-status-bytes");
                assertThat(record(big)).doesNotContainKeys("b0", "b1", "b2", "b3");
                assertThat(ws.request(msg(big, "{\"small\": 1}"))).isEqualTo(ack(big, "small"));
            }
        }
    }

    /** Section 4.17: HTTP endpoints; table rows 10 and 16. */
    @Nested
    class HttpEndpoints {

        @Test
        void healthReportsTheEmbeddedStore() {
            HttpResponse<String> r = http().get("/health");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(r.body()).isEqualTo("{\"status\":\"ok\",\"redis_status\":\"embedded\"}");
        }

        @Test
        void statusesHasTheOriginalShapeWithEmbeddedSource() {
            String id = id("probe-shape");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id, "{\"k\": \"v\"}"));
                HttpResponse<String> r = http().get("/statuses");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
                assertThat(r.body())
                        .startsWith("{\"redis_status\":\"embedded\",\"clients\":{")
                        .endsWith("},\"data_source\":\"embedded\"}")
                        .contains("\"" + id + "\":{\"k\":\"v\",\"connected\":\"true\",\"connect_time\":\"");
                JsonNode json = JSON.readTree(r.body());
                assertThat(json.propertyNames()).containsExactly("redis_status", "clients", "data_source");
            }
        }

        @Test
        void dashboardIsServedAtRootAndAtItsOriginalPath() {
            HttpResponse<byte[]> root = http().sendBytes("GET", "/");
            assertThat(root.statusCode()).isEqualTo(200);
            assertThat(root.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(new String(root.body(), StandardCharsets.UTF_8))
                    .contains("<title>Client Status Dashboard</title>");
            HttpResponse<byte[]> legacy = http().sendBytes("GET", "/static/status_display.html");
            assertThat(legacy.statusCode()).isEqualTo(200);
            assertThat(legacy.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(legacy.body()).isEqualTo(root.body());
        }

        @Test
        void openApiDocumentIsServed() {
            HttpResponse<String> r = http().get("/openapi.json");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(JSON.readTree(r.body()).has("openapi")).isTrue();
        }

        @Test
        void openApiDocumentListsTheOriginalPaths() {
            JsonNode paths = JSON.readTree(http().get("/openapi.json").body()).get("paths");
            assertThat(paths.propertyNames())
                    .contains(
                            "/statuses",
                            "/health",
                            "/",
                            "/clients/{client_id}/pause",
                            "/clients/{client_id}/resume",
                            "/clients/{client_id}/disconnect");
        }

        @Test
        void docsPagesAreServed() {
            // table row 16: the docs pages stay, with local assets only; /docs/oauth2-redirect was a leftover
            assertThat(http().get("/docs/oauth2-redirect").statusCode()).isEqualTo(404);
            for (String path : new String[] {"/docs", "/redoc"}) {
                HttpResponse<String> r = http().get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type").orElse(""))
                        .as(path)
                        .startsWith("text/html");
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"/", "/health", "/statuses"})
        void headAnswersLikeGetWithoutBody(String path) {
            // table row 16: HEAD works where GET does (the original answered 405)
            HttpTestClient client = http();
            await().atMost(WAIT).untilAsserted(() -> {
                HttpResponse<byte[]> get = client.sendBytes("GET", path);
                HttpResponse<byte[]> head = client.sendBytes("HEAD", path);
                assertThat(head.statusCode()).isEqualTo(200);
                assertThat(head.body()).isEmpty();
                assertThat(head.headers().firstValue("content-type"))
                        .isEqualTo(get.headers().firstValue("content-type"));
                // /statuses may change between the two requests (other clients); retried until it holds still
                assertThat(head.headers().firstValueAsLong("content-length")).hasValue(get.body().length);
            });
        }

        @Test
        void wrongMethodsAnswer405WithAllowHeader() {
            Object[][] cases = {
                {"GET", "/clients/x/pause", "POST"},
                {"GET", "/clients/x/resume", "POST"},
                {"GET", "/clients/x/disconnect", "POST"},
                {"DELETE", "/clients/x/disconnect", "POST"},
                {"POST", "/statuses", "GET, HEAD"},
                {"POST", "/health", "GET, HEAD"},
                {"PUT", "/", "GET, HEAD"},
            };
            for (Object[] c : cases) {
                HttpResponse<String> r = http().send((String) c[0], (String) c[1]);
                assertThat(r.statusCode()).as(c[0] + " " + c[1]).isEqualTo(405);
                assertThat(r.body()).as(c[0] + " " + c[1]).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
                assertThat(r.headers().firstValue("allow"))
                        .as(c[0] + " " + c[1])
                        .hasValue((String) c[2]);
            }
        }

        @Test
        void unknownPathsAnswer404() {
            for (String path : new String[] {"/nope", "/clients//pause", "/clients/x", "/clients/x/explode"}) {
                HttpResponse<String> r = http().get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(r.body()).as(path).isEqualTo("{\"detail\":\"Not Found\"}");
            }
            assertThat(http().post("/clients//pause").statusCode()).isEqualTo(404);
        }

        @Test
        void plainGetOfTheWebSocketPathAnswers426() {
            // table row 16: 426 Upgrade Required instead of the original's 404
            HttpResponse<String> r = http().get("/ws");
            assertThat(r.statusCode()).isEqualTo(426);
            assertThat(r.headers().firstValue("upgrade"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase("websocket"));
            assertThat(JSON.readTree(r.body()).propertyNames()).containsExactly("detail");
        }

        @Test
        void adminPathsPercentDecodeTheId() {
            // table row 10: an id containing "/" is addressable as %2F; spaces, UTF-8 and ':' work and are listed
            String[] ids = {id("a/b"), id("with space"), id("\u017c\u00f3\u0142w \ud83d\udc0d"), id("with:colon")};
            WsTestClient[] sockets = new WsTestClient[ids.length];
            try {
                for (int i = 0; i < ids.length; i++) {
                    sockets[i] = connect();
                    assertThat(sockets[i].request(msg(ids[i]))).isEqualTo(ack(ids[i], "connected", "connect_time"));
                }
                JsonNode statuses = http().statuses();
                for (int i = 0; i < ids.length; i++) {
                    assertThat(HttpTestClient.record(statuses, ids[i]))
                            .as(ids[i])
                            .containsEntry("connected", "true");
                    HttpResponse<String> r = http().command(ids[i], "pause");
                    assertThat(r.statusCode()).as(ids[i]).isEqualTo(200);
                    assertThat(JSON.readTree(r.body()).get("message").stringValue())
                            .isEqualTo("Pause command sent to client " + ids[i] + ".");
                    assertThat(sockets[i].next()).isEqualTo(command("pause"));
                }
                assertThat(http().post("/clients/" + ids[0] + "/pause").statusCode())
                        .as("an unencoded / splits the path")
                        .isEqualTo(404);
            } finally {
                for (WsTestClient s : sockets) {
                    if (s != null) {
                        s.close();
                    }
                }
            }
        }

        @Test
        void plusInAnAdminPathIsALiteralPlus() {
            // RFC 3986: "+" has no special meaning in a path (the original, on Starlette, decodes it as "+")
            String id = id("a+b");
            try (WsTestClient ws = connect()) {
                ws.request(msg(id));
                HttpResponse<String> r = http().post("/clients/" + id + "/pause");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(ws.next()).isEqualTo(command("pause"));
            }
        }

        @Test
        void malformedPercentEncodingIsAClientError() throws IOException {
            // the JDK client refuses to send such a URI, hence a raw request
            URI base = gw.httpUri();
            String response = rawHttp(
                    base,
                    "POST /clients/bad%zz/pause HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(response).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertThat(JSON.readTree(body).has("detail")).isTrue();
        }
    }

    /** Sends a raw HTTP request and reads the whole response until the server closes. */
    static String rawHttp(URI uri, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
