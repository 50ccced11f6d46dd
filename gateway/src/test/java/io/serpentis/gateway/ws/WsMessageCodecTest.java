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

class WsMessageCodecTest {
    private final WsMessageCodec codec = new WsMessageCodec(LimitsConfig.defaults());

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
                + "\"uni\": \"żółw🐍\", \"empty\": \"\"}}").update();
        assertThat(u.clientId()).isEqualTo("c");
        assertThat(u.names()).containsExactly("int", "float", "big", "bool", "null", "list", "obj", "str", "uni",
                "empty");
        assertThat(u.values()).containsExactly("1", "0.1", "1e+100", "true", "null", "[1,\"a\"]", "{\"b\":1}", "s",
                "żółw🐍", "");
    }

    @Test
    void keepsNumberTextInsideArraysAndObjects() {
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": {\"a\": [1e+100, -0.50, {\"x\": 1E5}], "
                + "\"o\": {\"k\": [true, null, \"\\u00e9\"]}}}").update();
        assertThat(u.values()).containsExactly("[1e+100,-0.50,{\"x\":1E5}]", "{\"k\":[true,null,\"é\"]}");
    }

    @Test
    void keepsFirstPositionAndLastValueOfARepeatedAttribute() {
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": {\"a\": 1, \"b\": 2, \"a\": 3}}").update();
        assertThat(u.names()).containsExactly("a", "b");
        assertThat(u.values()).containsExactly("3", "2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a json", "", "{\"client_id\": \"x\",}", "{\"a\": NaN, \"client_id\": \"x\"}",
        "{\"client_id\": \"x\", \"status\": {\"v\": Infinity}}", "{\"client_id\": \"x\"} {}", "{\"client_id\": \"x\"} x",
        "{'client_id': 'x'}", "{\"client_id\": \"x\" // c\n}"})
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
    @ValueSource(strings = {"{\"client_id\": 0}", "{\"client_id\": false}", "{\"client_id\": 123}",
        "{\"client_id\": 1.5}", "{\"client_id\": true}", "{\"client_id\": [1]}", "{\"client_id\": {\"a\": 1}}"})
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
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": null, \"type\": \"chat\", \"other\": [1]}").update();
        assertThat(u.size()).isZero();
    }

    @Test
    void namesTheLimitThatWasExceeded() {
        String longId = "x".repeat(129);
        assertThat(parse("{\"client_id\": \"" + longId + "\"}").error().message()).contains("max-client-id-bytes");
        String bigValue = "v".repeat(8193);
        assertThat(parse("{\"client_id\": \"c\", \"status\": {\"k\": \"" + bigValue + "\"}}").error().message())
                .contains("max-value-bytes").contains("'k'");
        StringBuilder many = new StringBuilder("{\"client_id\": \"c\", \"status\": {");
        for (int i = 0; i < 129; i++) {
            many.append(i == 0 ? "" : ",").append("\"a").append(i).append("\": ").append(i);
        }
        assertThat(parse(many.append("}}").toString()).error().message()).contains("max-attributes-per-message");
        assertThat(parse("{\"client_id\": \"c\", \"status\": {\"" + "n".repeat(129) + "\": 1}}").error().message())
                .contains("max-attribute-name-bytes");
    }

    @Test
    void countsIdLengthInUtf8Bytes() {
        // 43 three-byte characters = 129 bytes: over the 128-byte limit although only 43 chars long.
        assertThat(parse("{\"client_id\": \"" + "€".repeat(43) + "\"}").error().message())
                .contains("max-client-id-bytes");
        assertThat(parse("{\"client_id\": \"" + "€".repeat(42) + "\"}").update()).isNotNull();
    }

    @Test
    void reportsInvalidJsonBeforeAnyOtherRule() {
        assertThat(parse("{\"status\": \"x\",").error()).isEqualTo(ProtocolError.INVALID_JSON);
    }

    @Test
    void encodesAcksLikePythonJsonDumps() {
        StatusUpdate u = parse("{\"client_id\": \"probe-reg-417915\", \"status\": {\"state\": \"idle\", \"n\": 42, "
                + "\"f\": 3.5}}").update();
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, u, true, "connected"))).isEqualTo(
                "{\"result\": \"message_processed\", \"client_id\": \"probe-reg-417915\", \"status_updated\": "
                        + "[\"state\", \"n\", \"f\", \"connected\", \"connect_time\"], \"redis_status\": \"connected\"}");
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, StatusUpdate.idOnly("x"), false, "embedded")))
                .isEqualTo("{\"result\": \"message_processed\", \"client_id\": \"x\", \"status_updated\": [], "
                        + "\"redis_status\": \"embedded\"}");
    }

    @Test
    void leavesServerOwnedNamesOutOfTheAck() {
        StatusUpdate u = parse("{\"client_id\": \"c\", \"status\": {\"connected\": \"false\", \"a\": 1, "
                + "\"status_detail\": \"x\", \"last_seen\": \"y\"}}").update();
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, u, true, "embedded"))).contains(
                "\"status_updated\": [\"a\", \"connected\", \"connect_time\"]");
    }

    @Test
    void escapesNonAsciiAndControlCharactersAsPythonDoes() {
        StatusUpdate u = parse("{\"client_id\": \"ż\\\"\\\\\\n\", \"status\": {\"🐍\": 1, \"\\u007f\": 2}}").update();
        assertThat(str(codec.encodeAck(ByteBufAllocator.DEFAULT, u, false, "embedded"))).isEqualTo(
                "{\"result\": \"message_processed\", \"client_id\": \"\\u017c\\\"\\\\\\n\", \"status_updated\": "
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
