package io.serpentis.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.LimitsConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClientFieldsTest {

    private static List<String> names(ClientFields fields) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            out.add(fields.name(i));
        }
        return out;
    }

    private static Map<String, String> asMap(ClientFields fields) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            out.put(fields.name(i), fields.value(i));
        }
        return out;
    }

    @Test
    void keepsInsertionOrderWhenValuesChangeAndFieldsGo() {
        ClientFields fields = new ClientFields();
        fields.set("a", "1", null);
        fields.set("b", "2", null);
        fields.set("c", "3", null);
        assertThat(fields.set("a", "10", null)).isEqualTo("1");
        fields.unset("b", null);
        fields.set("b", "20", null);

        assertThat(names(fields)).containsExactly("a", "c", "b");
        assertThat(fields.get("a")).isEqualTo("10");
        assertThat(fields.get("b")).isEqualTo("20");
        assertThat(fields.get("missing")).isNull();
        assertThat(fields.containsKey("c")).isTrue();
    }

    @Test
    void findsFieldsByEqualNamesNotOnlyTheSameStrings() {
        ClientFields fields = new ClientFields();
        fields.set(new String("state"), "idle", null);
        assertThat(fields.get(new String("state"))).isEqualTo("idle");
    }

    /** Random sets and removals around the scan limit behave exactly as a LinkedHashMap (the former storage). */
    @Test
    void behavesAsAnInsertionOrderedMapBelowAndAboveTheScanLimit() {
        Random random = new Random(14);
        ClientFields fields = new ClientFields();
        Map<String, String> model = new LinkedHashMap<>();
        for (int step = 0; step < 20_000; step++) {
            String name = "f" + random.nextInt(3 * ClientFields.SCAN_LIMIT);
            if (random.nextInt(3) == 0) {
                fields.unset(name, null);
                model.remove(name);
            } else {
                String value = Integer.toString(step);
                assertThat(fields.set(name, value, null)).isEqualTo(model.put(name, value));
            }
            assertThat(fields.get(name)).isEqualTo(model.get(name));
            if (step % 97 == 0) {
                assertThat(asMap(fields)).containsExactlyEntriesOf(model);
            }
        }
        assertThat(asMap(fields)).containsExactlyEntriesOf(model);
    }

    @Test
    void marksChangesAndRemovalsForTheStore() {
        ClientFields fields = new ClientFields();
        StoreChanges changes = new StoreChanges();
        fields.set("connected", "true", changes);
        fields.set("status_detail", "gone", changes);
        fields.unset("status_detail", changes);
        fields.unset("never_set", changes);
        fields.touch(1_780_000_000_000_000L, changes);

        StoreWrite w = changes.take("c", 7, false, null, fields, 0, false);

        assertThat(w).isNotNull();
        assertThat(w.names()).containsExactly("connected", "last_seen");
        assertThat(w.values()).containsExactly("true", "2026-05-28T20:26:40.000000+00:00");
        assertThat(w.deleted()).isEmpty(); // a record's first write is a full one: it replaces the whole hash
    }

    @Test
    void countsClientFieldsForTheLimitsButNotServerOnes() {
        LimitsConfig limits = LimitsConfig.builder().maxAttributesPerClient(2).build();
        ClientFields fields = new ClientFields();
        fields.merge(new StatusUpdate("c", new String[] {"a", "connected"}, new String[] {"1", "x"}), null);
        fields.set(ServerFields.CONNECTED, "true", null);

        StatusUpdate oneMore = new StatusUpdate("c", new String[] {"b"}, new String[] {"2"});
        StatusUpdate twoMore = new StatusUpdate("c", new String[] {"b", "c"}, new String[] {"2", "3"});
        assertThat(fields.checkLimits("c", oneMore, limits)).isNull();
        assertThat(fields.checkLimits("c", twoMore, limits)).contains("would hold 3 attributes");
        assertThat(fields.get(ServerFields.CONNECTED)).isEqualTo("true");
    }

    @Test
    void loadsAStoredHashWithoutWhatOnlyTheStoreHolds() {
        ClientFields fields = new ClientFields();
        fields.set("old", "x", null);
        Map<String, String> stored = new LinkedHashMap<>();
        stored.put("state", "idle");
        stored.put(ServerFields.GATEWAY_VERSION, "9");
        stored.put(ServerFields.LAST_SEEN, "2026-05-28T20:26:40.000000+00:00");
        stored.put(ServerFields.CONNECTED, "false");

        fields.load(stored);

        assertThat(asMap(fields)).containsExactly(Map.entry("state", "idle"), Map.entry("connected", "false"));
        assertThat(fields.lastSeenMicros()).isEqualTo(1_780_000_000_000_000L);
    }
}
