package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.StatusUpdate;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class WsMessageCodecTest {
    private final WsMessageCodec codec = new WsMessageCodec(
            LimitsConfig.defaults(), JsonMapper.builder().build().tokenStreamFactory());

    private WsMessageCodec.Parsed parse(String json) {
        // Direct buffers take the copy path, heap buffers the array path: exercise both.
        ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer().writeBytes(json.getBytes(StandardCharsets.UTF_8));
        ByteBuf heap = Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8));
        try {
            WsMessageCodec.Parsed a = codec.parse(direct);
            WsMessageCodec.Parsed b = codec.parse(heap);
            assertThat(a).isEqualTo(b);
            return a;
        } finally {
            direct.release();
            heap.release();
        }
    }

    private static String str(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    @Test
    void parsesValuesAsTheirJsonText() {
        // PROTOCOL.md section 7, row 8: values stored as their JSON text, strings as their content.
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": {\"int\": 1, \"float\": 0.1, \"big\": 1e+100, "
                        + "\"bool\": true, \"null\": null, \"list\": [1, \"a\"], \"obj\": {\"b\": 1}, \"str\": \"s\", "
                        + "\"uni\": \"żółw🐍\", \"empty\": \"\"}}")
                .update();
        assertThat(u.clientId()).isEqualTo("c");
        assertThat(u.names())
                .containsExactly("int", "float", "big", "bool", "null", "list", "obj", "str", "uni", "empty");
        assertThat(u.values())
                .containsExactly("1", "0.1", "1e+100", "true", "null", "[1,\"a\"]", "{\"b\":1}", "s", "żółw🐍", "");
    }

    @Test
    void keepsNumberTextInsideArraysAndObjects() {
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": {\"a\": [1e+100, -0.50, {\"x\": 1E5}], "
                        + "\"o\": {\"k\": [true, null, \"\\u00e9\"]}}}")
                .update();
        assertThat(u.values()).containsExactly("[1e+100,-0.50,{\"x\":1E5}]", "{\"k\":[true,null,\"é\"]}");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"client_id\": \"c\", \"status\": {\"a\": 1, \"b\": 2, \"a\": 3}}",
                "{\"client_id\": \"c\", \"client_id\": \"d\"}",
                "{\"client_id\": \"c\", \"status\": {\"x\": 1}, \"status\": {\"a\": 1}}",
                "{\"a\": 1, \"client_id\": \"c\", \"a\": 2}",
                "{\"client_id\": \"c\", \"status\": {\"k\": {\"a\": 1, \"b\": {}, \"a\": 2}}}",
                "{\"client_id\": \"c\", \"status\": {\"k\": [{\"a\": 1}, {\"b\": 1, \"a\": 1, \"a\": 2}]}}",
                "{\"client_id\": \"c\", \"status\": {\"a\": 1, \"\\u0061\": 2}}"
            })
    void refusesAKeyRepeatedAnywhereInTheMessage(String text) {
        // issue 11 point 6: one copy winning lets a proxy that reads the other copy see a different request
        ProtocolError e = parse(text).error();
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(RejectKind.DUPLICATE_KEY);
        assertThat(e.close()).isFalse();
        assertThat(e.message()).matches("Duplicate key '(a|client_id|status)' in message; nothing was stored");
    }

    @Test
    void reportsInvalidJsonRatherThanARepeatedKeyBeforeIt() {
        assertThat(parse("{\"client_id\": \"c\", \"client_id\": \"c\", x}").error())
                .isEqualTo(ProtocolError.INVALID_JSON);
        assertThat(parse("{\"client_id\": \"c\", \"client_id\": \"c\"} {}").error())
                .isEqualTo(ProtocolError.INVALID_JSON);
    }

    @Test
    void quotesARepeatedKeyShortAndPrintable() {
        String name = "\\n\\u0000" + "k".repeat(37) + "\\ud83d\\udc0d" + "tail";
        ProtocolError e = parse("{\"client_id\": \"c\", \"" + name + "\": 1, \"" + name + "\": 2}")
                .error();
        // 40 characters but for the pair that would be cut in half; controls as visible escapes
        assertThat(e.message())
                .isEqualTo(
                        "Duplicate key '\\u000a\\u0000" + "k".repeat(37) + "...' in message;" + " nothing was stored");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v\\ud800", "\\udfff", "\\ud83d", "a\\udc0d\\ud83d", "\\ud800\\ud800", "\\uDBFFx"})
    void refusesAClientIdWithAnUnpairedSurrogateAndCloses(String escaped) {
        // issue 11 point 3: such an id was stored in Redis as "v?", over the record of a live client "v?"
        ProtocolError e = parse("{\"client_id\": \"" + escaped + "\", \"status\": {\"k\": 1}}")
                .error();
        assertThat(e).isEqualTo(ProtocolError.CLIENT_ID_NOT_UNICODE);
        assertThat(e.close()).isTrue();
        assertThat(e.kind()).isEqualTo(RejectKind.INVALID_UNICODE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"\\ud800\"",
                "\"x\\udc00y\"",
                "[1, \"\\ud800\"]",
                "{\"n\": [\"\\udfff\"]}",
                "\"\\ud83d\\ud83d\\udc0d\""
            })
    void refusesAValueWithAnUnpairedSurrogate(String value) {
        ProtocolError e = parse("{\"client_id\": \"c\", \"status\": {\"ok\": 1, \"k\": " + value + "}}")
                .error();
        assertThat(e.kind()).isEqualTo(RejectKind.INVALID_UNICODE);
        assertThat(e.close()).isFalse();
        assertThat(e.message())
                .isEqualTo("attribute names and values must be valid Unicode (an unpaired surrogate"
                        + " escape is not): the value of 'k'; nothing was stored");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"client_id\": \"c\", \"status\": {\"\\ud800\": 1}}",
                "{\"client_id\": \"c\", \"status\": {\"a\\udc00\": 1}}",
                "{\"client_id\": \"c\", \"status\": {\"k\": {\"\\ud800x\": 1}}}",
                "{\"\\ud800\\ud800\": 1, \"client_id\": \"c\"}"
            })
    void refusesANameWithAnUnpairedSurrogate(String text) {
        assertThat(parse(text).error()).isEqualTo(ProtocolError.NAME_NOT_UNICODE);
    }

    @Test
    void refusesASurrogateEncodedInUtf8AsInvalidJson() {
        // The frame decoder refuses it first (1007); the parser must refuse it too, because only escapes are checked.
        byte[] text = {
            '{',
            '"',
            'c',
            'l',
            'i',
            'e',
            'n',
            't',
            '_',
            'i',
            'd',
            '"',
            ':',
            '"',
            'v',
            (byte) 0xed,
            (byte) 0xa0,
            (byte) 0x80,
            '"',
            '}'
        };
        ByteBuf buf = Unpooled.wrappedBuffer(text);
        try {
            assertThat(codec.parse(buf).error()).isEqualTo(ProtocolError.INVALID_JSON);
        } finally {
            buf.release();
        }
    }

    @Test
    void acceptsPairedSurrogatesAndEscapedBackslashes() {
        StatusUpdate u = parse("{\"client_id\": \"\\ud83d\\udc0d\", \"status\": {\"\\uD83D\\uDC0D\": "
                        + "\"\\\\ud800\", \"n\": [\"\\ud83d\\udc0d\"]}}")
                .update();
        assertThat(u.clientId()).isEqualTo("\ud83d\udc0d");
        assertThat(u.names()).containsExactly("\ud83d\udc0d", "n");
        assertThat(u.values()).containsExactly("\\ud800", "[\"\ud83d\udc0d\"]");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"a\": \"\\u00e9\\\"\\n\\uD7FF\\uE000\"}",
                "\\ud83d\\udc0d",
                "\\uD83D\\uDC0D\\u00e9",
                "\\\\ud800",
                "\\\\\\\\udc00",
                "a\\tb\\\\",
                "x\\ud"
            })
    void findsNoUnpairedSurrogateEscapeWhereThereIsNone(String text) {
        // pairs, and escaped backslashes followed by "ud800" (text, not an escape), are no unpaired surrogates
        assertThat(maySurrogate(text)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\\ud800",
                "\\uDFFF",
                "x\\uDa00y",
                "\\ud83d\\ud83d\\udc0d",
                "\\ud83d\\udc0d\\udc0d",
                "\\\\\\ud800",
                "\\ud83d\\u0041",
                "\\ud83d",
                "\\ud83d\\udc",
                "\\ud83d\\\\udc0d"
            })
    void findsEveryUnpairedSurrogateEscape(String text) {
        assertThat(maySurrogate(text)).isTrue();
    }

    private static boolean maySurrogate(String text) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            return WsMessageCodec.mayHoldUnpairedSurrogate(buf);
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not a json",
                "",
                "{\"client_id\": \"x\",}",
                "{\"a\": NaN, \"client_id\": \"x\"}",
                "{\"client_id\": \"x\", \"status\": {\"v\": Infinity}}",
                "{\"client_id\": \"x\"} {}",
                "{\"client_id\": \"x\"} x",
                "{'client_id': 'x'}",
                "{\"client_id\": \"x\" // c\n}"
            })
    void rejectsInvalidJson(String text) {
        assertThat(parse(text).error()).isEqualTo(ProtocolError.INVALID_JSON);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "42", "\"str\"", "null", "true"})
    void rejectsJsonThatIsNotAnObject(String text) {
        assertThat(parse(text).error()).isEqualTo(ProtocolError.NOT_AN_OBJECT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"status\": {\"k\": \"v\"}}", "{\"client_id\": \"\"}", "{\"client_id\": null}", "{}"})
    void requiresAClientId(String text) {
        assertThat(parse(text).error()).isEqualTo(ProtocolError.CLIENT_ID_REQUIRED);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"client_id\": 0}",
                "{\"client_id\": false}",
                "{\"client_id\": 123}",
                "{\"client_id\": 1.5}",
                "{\"client_id\": true}",
                "{\"client_id\": [1]}",
                "{\"client_id\": {\"a\": 1}}"
            })
    void requiresAStringClientId(String text) {
        assertThat(parse(text).error()).isEqualTo(ProtocolError.CLIENT_ID_NOT_A_STRING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"str\"", "5", "[1, 2]", "true"})
    void rejectsAStatusThatIsNotAnObject(String status) {
        assertThat(parse("{\"client_id\": \"c\", \"status\": " + status + "}").error())
                .isEqualTo(ProtocolError.STATUS_NOT_AN_OBJECT);
    }

    @Test
    void treatsNullStatusAsNoStatusAndIgnoresUnknownFields() {
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": null, \"type\": \"chat\", \"other\": [1]}")
                .update();
        assertThat(u.size()).isZero();
    }

    @Test
    void namesTheLimitThatWasExceeded() {
        String longId = "x".repeat(129);
        assertThat(parse("{\"client_id\": \"" + longId + "\"}").error().message())
                .contains("max-client-id-bytes");
        String bigValue = "v".repeat(8193);
        assertThat(parse("{\"client_id\": \"c\", \"status\": {\"k\": \"" + bigValue + "\"}}")
                        .error()
                        .message())
                .contains("max-value-bytes")
                .contains("'k'");
        StringBuilder many = new StringBuilder("{\"client_id\": \"c\", \"status\": {");
        for (int i = 0; i < 129; i++) {
            many.append(i == 0 ? "" : ",")
                    .append("\"a")
                    .append(i)
                    .append("\": ")
                    .append(i);
        }
        assertThat(parse(many.append("}}").toString()).error().message()).contains("max-attributes-per-message");
        assertThat(parse("{\"client_id\": \"c\", \"status\": {\"" + "n".repeat(129) + "\": 1}}")
                        .error()
                        .message())
                .contains("max-attribute-name-bytes");
    }

    @Test
    void countsIdLengthInUtf8Bytes() {
        // 43 three-byte characters = 129 bytes: over the 128-byte limit although only 43 chars long.
        assertThat(parse("{\"client_id\": \"" + "€".repeat(43) + "\"}").error().message())
                .contains("max-client-id-bytes");
        assertThat(parse("{\"client_id\": \"" + "€".repeat(42) + "\"}").update())
                .isNotNull();
    }

    @Test
    void reportsInvalidJsonBeforeAnyOtherRule() {
        assertThat(parse("{\"status\": \"x\",").error()).isEqualTo(ProtocolError.INVALID_JSON);
    }

    @Test
    void encodesAcksLikePythonJsonDumps() {
        StatusUpdate u = parse("{\"client_id\": \"probe-reg-417915\", \"status\": {\"state\": \"idle\", \"n\": 42, "
                        + "\"f\": 3.5}}")
                .update();
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, u, true, "connected")))
                .isEqualTo(
                        "{\"result\": \"message_processed\", \"client_id\": \"probe-reg-417915\", \"status_updated\": "
                                + "[\"state\", \"n\", \"f\", \"connected\", \"connect_time\"], "
                                + "\"redis_status\": \"connected\"}");
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, StatusUpdate.idOnly("x"), false, "embedded")))
                .isEqualTo("{\"result\": \"message_processed\", \"client_id\": \"x\", \"status_updated\": [], "
                        + "\"redis_status\": \"embedded\"}");
    }

    @Test
    void leavesServerOwnedNamesOutOfTheAck() {
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": {\"connected\": \"false\", \"a\": 1, "
                        + "\"status_detail\": \"x\", \"last_seen\": \"y\"}}")
                .update();
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, u, true, "embedded")))
                .contains("\"status_updated\": [\"a\", \"connected\", \"connect_time\"]");
    }

    @Test
    void escapesNonAsciiAndControlCharactersAsPythonDoes() {
        StatusUpdate u = parse("{\"client_id\": \"ż\\\"\\\\\\n\", \"status\": {\"🐍\": 1, \"\\u007f\": 2}}")
                .update();
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, u, false, "embedded")))
                .isEqualTo("{\"result\": \"message_processed\", "
                        + "\"client_id\": \"\\u017c\\\"\\\\\\n\", \"status_updated\": "
                        + "[\"\\ud83d\\udc0d\", \"\\u007f\"], \"redis_status\": \"embedded\"}");
    }

    @Test
    void encodesErrorsAndCommands() {
        assertThat(str(WsMessageCodec.encodeError(ByteBufAllocator.DEFAULT, "Invalid JSON format")))
                .isEqualTo("{\"error\": \"Invalid JSON format\"}");
        assertThat(str(WsMessageCodec.encodeCommand(ByteBufAllocator.DEFAULT, ClientCommand.PAUSE)))
                .isEqualTo("{\"command\": \"pause\"}");
    }
}
