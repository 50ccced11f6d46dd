package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.internal.Utf8;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.UpdateOutcome;
import io.serpentis.gateway.testing.RecordingConnection;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzes the status-message parser and validator (ECOSYSTEM table b, row 6): any text frame's bytes, as the frame
 * stage hands them over (at most {@code max-frame-bytes}), must give either a valid update within every limit or a
 * protocol error, never an exception, and a valid update must merge into a registry and produce an ack that is
 * valid JSON. A message is accepted only when it means one thing to every reader: no key repeated in any object,
 * no unpaired surrogate in the id, a name or a value (issue 11, points 3 and 6). Runs its seed corpus
 * ({@code WsMessageFuzzTestInputs/parseValidateAndAck/}) in every build; {@code JAZZER_FUZZ=1} fuzzes it (README,
 * Development).
 */
class WsMessageFuzzTest {
    private static final LimitsConfig LIMITS = LimitsConfig.defaults();
    private static final int MAX_FRAME_BYTES = 65536;
    private static final WsMessageCodec CODEC =
            new WsMessageCodec(LIMITS, JsonMapper.builder().build().tokenStreamFactory());
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Builds trees with its own duplicate check, independent of the codec's streaming parser. */
    private static final JsonMapper NO_DUPLICATES = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({
        "\"client_id\"",
        "\"status\"",
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "null",
        "true",
        "1e400",
        "NaN",
        "\\u0000",
        "\\ud800",
        "\\udc00",
        "\\ud83d\\udc0d",
        "\"connected\"",
        "\"status_detail\"",
        "\"k\": 1, \"k\": 2"
    })
    void parseValidateAndAck(byte[] input) {
        if (input.length > MAX_FRAME_BYTES) {
            return; // the frame stage never hands over more
        }
        check(Unpooled.wrappedBuffer(input), input);
        ByteBuf direct =
                UnpooledByteBufAllocator.DEFAULT.directBuffer(input.length).writeBytes(input);
        try {
            check(direct, input); // the copy path for buffers without an array
        } finally {
            direct.release();
        }
    }

    private static void check(ByteBuf content, byte[] input) {
        WsMessageCodec.Parsed parsed = CODEC.parse(content);
        assertThat(parsed.update() == null)
                .as("exactly one of update and error")
                .isNotEqualTo(parsed.error() == null);
        if (parsed.error() != null) {
            assertThat(parsed.error().message()).isNotBlank();
            if (parsed.error().kind() == RejectKind.DUPLICATE_KEY) {
                // valid JSON, refused for the repeated key alone
                assertThat(JSON.readTree(input)).isNotNull();
                assertThatThrownBy(() -> NO_DUPLICATES.readTree(input)).isInstanceOf(JacksonException.class);
            }
            return;
        }
        assertThat(NO_DUPLICATES.readTree(input))
                .as("an accepted message repeats no key")
                .isNotNull();
        StatusUpdate update = parsed.update();
        assertThat(update.clientId()).isNotEmpty();
        assertThat(Utf8.isWellFormed(update.clientId()))
                .as("the id is Unicode text")
                .isTrue();
        assertThat(Utf8.exceeds(update.clientId(), LIMITS.maxClientIdBytes())).isFalse();
        assertThat(update.size()).isLessThanOrEqualTo(LIMITS.maxAttributesPerMessage());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < update.size(); i++) {
            assertThat(names.add(update.names()[i])).as("names are distinct").isTrue();
            assertThat(Utf8.exceeds(update.names()[i], LIMITS.maxAttributeNameBytes()))
                    .isFalse();
            assertThat(Utf8.exceeds(update.values()[i], LIMITS.maxValueBytes())).isFalse();
            assertThat(Utf8.isWellFormed(update.names()[i]) && Utf8.isWellFormed(update.values()[i]))
                    .as("names and values are Unicode text")
                    .isTrue();
        }
        LocalClientRegistry registry = new LocalClientRegistry(LIMITS, RegistryConfig.defaults(), "fuzz");
        UpdateOutcome outcome = registry.apply(new RecordingConnection(), update);
        assertThat(outcome.kind()).isIn(UpdateOutcome.Kind.REGISTERED, UpdateOutcome.Kind.REJECTED);
        ByteBuf ack = CODEC.encodeAck(UnpooledByteBufAllocator.DEFAULT, update, true, "embedded");
        try {
            String text = ack.toString(StandardCharsets.UTF_8);
            assertThat(JSON.readTree(text).path("client_id").asString()).isEqualTo(update.clientId());
        } finally {
            ack.release();
        }
    }
}
