package io.serpentis.gateway.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.OutputStream;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectMapper;

/**
 * Compact JSON written with Jackson's streaming generator straight into a {@link ByteBuf}, and the shapes every
 * writer of clients shares: a client's fields as an object of strings (the feed, {@code GET /statuses}, the
 * {@code /api/v1} API) and the fleet's counts. Stateless; thread-safe.
 */
public final class JsonOutput {
    private JsonOutput() {}

    /** What {@link #encode} writes: one JSON value, through the generator it is given. */
    @FunctionalInterface
    public interface Body {
        /** Writes the value; called once, on the encoding thread. */
        void writeTo(JsonGenerator g);
    }

    /**
     * A new buffer of {@code alloc} holding what {@code body} writes, owned by the caller. When writing fails the
     * buffer is released before the failure propagates, so nothing leaks.
     *
     * @param json the gateway's mapper (its settings apply)
     * @param capacityHint the initial capacity; the buffer grows as needed
     */
    public static ByteBuf encode(ObjectMapper json, ByteBufAllocator alloc, int capacityHint, Body body) {
        ByteBuf out = alloc.buffer(capacityHint);
        try {
            try (JsonGenerator g = json.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
                body.writeTo(g);
            } // closing flushes the generator's buffer into out: a failure there must release it too
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /**
     * A client's fields as one object, {@code {"<name>": "<value>", ...}}, in their order: every value is a string
     * (the text stored for it). The caller writes the property name or array position before it.
     *
     * @param names field names, in order
     * @param values their values, parallel to {@code names}
     */
    public static void writeFields(JsonGenerator g, String[] names, String[] values) {
        g.writeStartObject();
        for (int i = 0; i < names.length; i++) {
            g.writeStringProperty(names[i], values[i]);
        }
        g.writeEndObject();
    }

    /** The fleet's counts, {@code "counts": {"connected": c, "disconnected": total - c, "total": total}}. */
    public static void writeCounts(JsonGenerator g, int connected, int total) {
        g.writeName("counts");
        g.writeStartObject();
        g.writeNumberProperty("connected", connected);
        g.writeNumberProperty("disconnected", total - connected);
        g.writeNumberProperty("total", total);
        g.writeEndObject();
    }
}
