package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.registry.OwnedSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

class FleetFeedCodecTest {
    private final FleetFeedCodec codec = new FleetFeedCodec(JsonMapper.builder().build());

    private static OwnedSnapshot record(String id, long epoch, long version, String... pairs) {
        String[] names = new String[pairs.length / 2];
        String[] values = new String[pairs.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = pairs[2 * i];
            values[i] = pairs[2 * i + 1];
        }
        return new OwnedSnapshot(new ClientSnapshot(id, true, names, values, version), epoch, true);
    }

    @Test
    void aFeedMessageCarriesFullRecordsWithEpochAndVersionInOrder() {
        List<FleetFeedCodec.Encoded> out = codec.feed(
                "gw-a",
                "1-abc",
                7,
                1234,
                List.of(
                        record("w/1 \u00e9\"", 11, 22, "z", "1", "connected", "true", "a", "\u0000<b>"),
                        record("w2", 12, 23, "connected", "false")));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).records()).isEqualTo(2);

        FleetFeedCodec.Message m = codec.decode(out.get(0).text());
        assertThat(m.type()).isEqualTo(FleetFeedCodec.FEED);
        assertThat(m.node()).isEqualTo("gw-a");
        assertThat(m.incarnation()).isEqualTo("1-abc");
        assertThat(m.seq()).isEqualTo(7);
        assertThat(m.sentMillis()).isEqualTo(1234);
        assertThat(m.clients()).extracting(FleetFeedCodec.Entry::id).containsExactly("w/1 \u00e9\"", "w2");
        assertThat(m.clients().get(0).fields())
                .containsExactly(
                        Map.entry("z", "1"),
                        Map.entry("connected", "true"),
                        Map.entry("a", "\u0000<b>"),
                        Map.entry("gateway_epoch", "11"),
                        Map.entry("gateway_version", "22"));
    }

    @Test
    void manyRecordsAreSplitIntoNumberedMessagesUnder256KB() {
        List<OwnedSnapshot> records = new ArrayList<>();
        String value = "x".repeat(1000);
        for (int i = 0; i < 2000; i++) {
            records.add(record("client-" + i, 1, i, "payload", value));
        }
        List<FleetFeedCodec.Encoded> out = codec.feed("gw-a", "1-abc", 1, 0, records);
        assertThat(out.size()).isGreaterThanOrEqualTo(8);
        List<String> ids = new ArrayList<>();
        long seq = 1;
        for (FleetFeedCodec.Encoded e : out) {
            assertThat(e.text().length()).isLessThanOrEqualTo(FleetFeedCodec.MAX_MESSAGE_CHARS);
            FleetFeedCodec.Message m = codec.decode(e.text());
            assertThat(m.seq()).isEqualTo(seq++);
            assertThat(m.clients()).hasSize(e.records());
            m.clients().forEach(c -> ids.add(c.id()));
        }
        assertThat(ids).hasSize(2000).doesNotHaveDuplicates();
    }

    @Test
    void aHeartbeatCarriesTheLastNumberAndNoClients() {
        FleetFeedCodec.Message m = codec.decode(codec.heartbeat("gw-a", "1-abc", 41, 99));
        assertThat(m.type()).isEqualTo(FleetFeedCodec.HEARTBEAT);
        assertThat(m.seq()).isEqualTo(41);
        assertThat(m.clients()).isEmpty();
    }

    @Test
    void unknownPropertiesAreSkippedAndMalformedMessagesRefused() {
        FleetFeedCodec.Message m = codec.decode("{\"type\":\"feed\",\"future\":{\"a\":[1,2]},\"node\":\"n\","
                + "\"incarnation\":\"i\",\"seq\":3,\"clients\":[{\"id\":\"c\",\"epoch\":1,\"version\":2,"
                + "\"more\":[{}],\"fields\":{}}]}");
        assertThat(m.clients()).hasSize(1);
        assertThatThrownBy(() -> codec.decode("[1]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode("{\"type\":\"feed\",\"node\":\"n\",\"incarnation\":\"i\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode("{\"type\":\"feed\",\"node\":\"n\",\"incarnation\":\"i\",\"seq\":1,"
                        + "\"clients\":[{\"id\":\"c\",\"epoch\":1,\"version\":2,\"fields\":{\"k\":1}}]}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode("{\"type\":")).isInstanceOf(JacksonException.class);
    }
}
