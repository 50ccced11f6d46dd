package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.serpentis.gateway.config.LimitsConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;

/**
 * The codec reads with the gateway's one JSON factory, injected, and stays strict whatever that factory allows:
 * a lenient factory elsewhere in the gateway must not make the status protocol accept what the original refused.
 */
class WsMessageCodecInjectionTest {
    /** As lenient as a factory can be made about what the protocol refuses. */
    private static final JsonFactory LENIENT = JsonFactory.builder()
            .enable(
                    JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_YAML_COMMENTS,
                    JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS,
                    JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_PROPERTY_NAMES)
            .build();

    private final WsMessageCodec codec = new WsMessageCodec(LimitsConfig.defaults(), LENIENT);

    private WsMessageCodec.Parsed parse(String text) {
        ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            return codec.parse(content);
        } finally {
            content.release();
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"client_id\": \"c\" /* comment */}",
                "{\"client_id\": \"c\", \"status\": {\"a\": 1,}}",
                "{\"client_id\": \"c\", \"status\": {\"a\": NaN}}",
                "{'client_id': 'c'}",
                "{client_id: \"c\"}"
            })
    void refusesWhatStrictJsonRefusesWhateverTheFactoryAllows(String text) {
        assertThat(parse(text).error()).isEqualTo(ProtocolError.INVALID_JSON);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"client_id\": \"c\", \"client_id\": \"d\"}",
                "{\"client_id\": \"c\", \"status\": {\"a\": 1, \"a\": 2}}"
            })
    void refusesARepeatedKeyWithTheInjectedFactory(String text) {
        assertThat(parse(text).error().kind())
                .isEqualTo(ProtocolError.duplicateKey("'x'").kind());
        assertThat(parse(text).error().message()).startsWith("Duplicate key ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"client_id\": \"c\", \"status\": {\"a\": 1}}", "{\"client_id\": \"c\"}"})
    void acceptsPlainJson(String text) {
        assertThat(parse(text).update()).isNotNull();
    }
}
