package io.serpentis.gateway.feed;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.serpentis.gateway.internal.JsonOutput;
import io.serpentis.gateway.registry.ClientSnapshot;
import java.util.Collection;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Encodes the feed's messages as compact JSON text, straight into a {@link ByteBuf} with Jackson's streaming
 * generator. A client appears as {@code "<id>": {"<field>": "<string>", ...}}, the shape of {@code GET /statuses},
 * so a viewer can use one code path for both. Stateless and thread-safe.
 *
 * <pre>
 * {"type":"delta","seq":12,"redis_status":"embedded","counts":{"connected":2,"disconnected":1,"total":3},
 *  "clients":{"worker-1":{"connected":"true",...}},"removed":["gone-7"]}
 * {"type":"snapshot","seq":12,"part":1,"parts":1,"interval_ms":250,"redis_status":"embedded",
 *  "counts":{...},"clients":{...}}
 * </pre>
 */
final class FeedEncoder {

    /** Connected and total client counts, as sent with every message. */
    record Counts(int connected, int total) {}

    private final JsonMapper mapper;

    FeedEncoder(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** One delta: the full records of the clients that changed since the previous delta, and the removed ids. */
    ByteBuf delta(
            ByteBufAllocator alloc,
            long seq,
            String redisStatus,
            Counts counts,
            Collection<ClientSnapshot> changed,
            Collection<String> removed) {
        return JsonOutput.encode(mapper, alloc, 128 + changed.size() * 256 + removed.size() * 32, g -> {
            g.writeStartObject();
            g.writeStringProperty("type", "delta");
            g.writeNumberProperty("seq", seq);
            g.writeStringProperty("redis_status", redisStatus);
            JsonOutput.writeCounts(g, counts.connected(), counts.total());
            writeClients(g, changed);
            g.writeName("removed");
            g.writeStartArray();
            for (String id : removed) {
                g.writeString(id);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** One part ({@code part} of {@code parts}, from 1) of a snapshot taken after delta {@code seq}. */
    ByteBuf snapshotPart(
            ByteBufAllocator alloc,
            long seq,
            int part,
            int parts,
            long intervalMillis,
            String redisStatus,
            Counts counts,
            List<ClientSnapshot> clients) {
        return JsonOutput.encode(mapper, alloc, 192 + clients.size() * 256, g -> {
            g.writeStartObject();
            g.writeStringProperty("type", "snapshot");
            g.writeNumberProperty("seq", seq);
            g.writeNumberProperty("part", part);
            g.writeNumberProperty("parts", parts);
            g.writeNumberProperty("interval_ms", intervalMillis);
            g.writeStringProperty("redis_status", redisStatus);
            JsonOutput.writeCounts(g, counts.connected(), counts.total());
            writeClients(g, clients);
            g.writeEndObject();
        });
    }

    /** {@code "clients": {"<id>": {fields}, ...}}, the shape of {@code GET /statuses}. */
    private static void writeClients(JsonGenerator g, Collection<ClientSnapshot> clients) {
        g.writeName("clients");
        g.writeStartObject();
        for (ClientSnapshot s : clients) {
            g.writeName(s.id());
            JsonOutput.writeFields(g, s.names(), s.values());
        }
        g.writeEndObject();
    }
}
