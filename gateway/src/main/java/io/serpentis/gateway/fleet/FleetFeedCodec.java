package io.serpentis.gateway.fleet;

import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.registry.OwnedSnapshot;
import io.serpentis.gateway.registry.ServerFields;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The messages of a node's feed channel ({@code serpentis:{node:<id>}:feed}): compact JSON, written with Jackson's
 * streaming generator into one reused buffer and read back with its streaming parser (no tree).
 *
 * <pre>
 * {"type":"feed","node":"gw-a","incarnation":"1796...-a1b2c3","seq":41,"sent":1796...,
 *  "clients":[{"id":"worker-7","epoch":1796...,"version":1796...,"fields":{"connected":"true",...}}]}
 * {"type":"heartbeat","node":"gw-a","incarnation":"1796...-a1b2c3","seq":41,"sent":1796...}
 * </pre>
 *
 * <p>A {@code feed} message carries the full records of clients that changed (each with the epoch and version that
 * order it against every other copy in the fleet) and the next sequence number of its node's life: 1, 2, 3, ...
 * without gaps. A {@code heartbeat} carries the number of the last {@code feed} message and nothing else: a
 * subscriber that sees a number it has not received missed something. {@code sent} is the publisher's wall clock
 * (epoch ms), for the view's lag. Unknown properties are skipped (a newer node may send more).
 *
 * <p>Messages stay under {@link #MAX_MESSAGE_CHARS}: records are split over as many messages as needed (only a
 * single record larger than that, which the record limits allow in principle, makes a larger message).
 *
 * <p>Encoding is not thread-safe (one buffer, the publisher's thread); decoding is.
 */
final class FleetFeedCodec {
    /** The size a message stays under (in characters; the text is nearly all ASCII). */
    static final int MAX_MESSAGE_CHARS = 256 * 1024;

    static final String FEED = "feed";
    static final String HEARTBEAT = "heartbeat";

    /**
     * A decoded message.
     *
     * @param type {@link #FEED} or {@link #HEARTBEAT} (or a type this node does not know)
     * @param node the publishing node's id
     * @param incarnation its life
     * @param seq the message's sequence number ({@code feed}), or that of the last feed message ({@code heartbeat})
     * @param sentMillis when it was published (the publisher's wall clock, epoch ms)
     * @param clients the records, each with {@code gateway_epoch} and {@code gateway_version} among its fields
     */
    record Message(String type, String node, String incarnation, long seq, long sentMillis, List<Entry> clients) {}

    /**
     * One client's record from a feed message.
     *
     * @param id the client id
     * @param fields its fields as Redis keeps them (the client's and the server's, {@code gateway_epoch} and
     *     {@code gateway_version} included), in order
     */
    record Entry(String id, Map<String, String> fields) {}

    /**
     * An encoded feed message.
     *
     * @param text the message
     * @param records how many records it carries
     */
    record Encoded(String text, int records) {}

    private final JsonMapper json;
    private final StringBuilder buffer = new StringBuilder(16 * 1024);
    private final Writer out = new Writer() {
        @Override
        public void write(char[] chars, int off, int len) {
            buffer.append(chars, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            buffer.append(s, off, off + len);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    FleetFeedCodec(JsonMapper json) {
        this.json = json;
    }

    /**
     * The feed messages carrying {@code records}, numbered from {@code firstSeq} on, each under
     * {@link #MAX_MESSAGE_CHARS}.
     */
    List<Encoded> feed(String node, String incarnation, long firstSeq, long sentMillis, List<OwnedSnapshot> records) {
        List<Encoded> messages = new ArrayList<>(1);
        int i = 0;
        long seq = firstSeq;
        while (i < records.size()) {
            buffer.setLength(0);
            int inMessage = 0;
            try (JsonGenerator g = json.createGenerator(out)) {
                header(g, FEED, node, incarnation, seq, sentMillis);
                g.writeName("clients");
                g.writeStartArray();
                while (i < records.size()) {
                    OwnedSnapshot r = records.get(i);
                    g.flush();
                    if (inMessage > 0 && buffer.length() + bound(r.snapshot()) > MAX_MESSAGE_CHARS) {
                        break;
                    }
                    write(g, r);
                    inMessage++;
                    i++;
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            messages.add(new Encoded(buffer.toString(), inMessage));
            seq++;
        }
        trim();
        return messages;
    }

    /** A heartbeat: nothing but the number of the last feed message of this life. */
    String heartbeat(String node, String incarnation, long seq, long sentMillis) {
        buffer.setLength(0);
        try (JsonGenerator g = json.createGenerator(out)) {
            header(g, HEARTBEAT, node, incarnation, seq, sentMillis);
            g.writeEndObject();
        }
        String s = buffer.toString();
        trim();
        return s;
    }

    private static void header(JsonGenerator g, String type, String node, String incarnation, long seq, long sent) {
        g.writeStartObject();
        g.writeStringProperty("type", type);
        g.writeStringProperty("node", node);
        g.writeStringProperty("incarnation", incarnation);
        g.writeNumberProperty("seq", seq);
        g.writeNumberProperty("sent", sent);
    }

    private static void write(JsonGenerator g, OwnedSnapshot r) {
        ClientSnapshot s = r.snapshot();
        g.writeStartObject();
        g.writeStringProperty("id", s.id());
        g.writeNumberProperty("epoch", r.epoch());
        g.writeNumberProperty("version", s.version());
        g.writeName("fields");
        g.writeStartObject();
        String[] names = s.names();
        String[] values = s.values();
        for (int k = 0; k < names.length; k++) {
            g.writeStringProperty(names[k], values[k]);
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** An upper bound of a record's encoded length: every character escaped as {@code \}{@code uXXXX}. */
    private static long bound(ClientSnapshot s) {
        long chars = 96 + s.id().length();
        for (int k = 0; k < s.names().length; k++) {
            chars += 6 + s.names()[k].length() + s.values()[k].length();
        }
        return chars * 6;
    }

    /** Gives back the memory of an unusually large message. */
    private void trim() {
        if (buffer.capacity() > 4 * MAX_MESSAGE_CHARS) {
            buffer.setLength(0);
            buffer.trimToSize();
        }
    }

    /**
     * Reads one message. Throws {@link JacksonException} for text that is not JSON, and
     * {@link IllegalArgumentException} for JSON that is not a feed message.
     */
    Message decode(String text) {
        try (JsonParser p = json.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String type = "";
            String node = "";
            String incarnation = "";
            long seq = -1;
            long sent = 0;
            List<Entry> clients = List.of();
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "type" -> type = string(p, t, name);
                    case "node" -> node = string(p, t, name);
                    case "incarnation" -> incarnation = string(p, t, name);
                    case "seq" -> seq = number(p, t, name);
                    case "sent" -> sent = number(p, t, name);
                    case "clients" -> clients = clients(p, t);
                    default -> p.skipChildren();
                }
            }
            if (type.isEmpty() || node.isEmpty() || incarnation.isEmpty() || seq < 0) {
                throw new IllegalArgumentException("a feed message needs type, node, incarnation and seq");
            }
            return new Message(type, node, incarnation, seq, sent, clients);
        }
    }

    private static List<Entry> clients(JsonParser p, JsonToken t) {
        if (t != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("clients must be an array");
        }
        List<Entry> clients = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String id = null;
            long epoch = -1;
            long version = -1;
            Map<String, String> fields = null;
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                JsonToken v = p.nextToken();
                switch (name) {
                    case "id" -> id = string(p, v, name);
                    case "epoch" -> epoch = number(p, v, name);
                    case "version" -> version = number(p, v, name);
                    case "fields" -> fields = fields(p, v);
                    default -> p.skipChildren();
                }
            }
            if (id == null || epoch < 0 || version < 0 || fields == null) {
                throw new IllegalArgumentException("a client needs id, epoch, version and fields");
            }
            fields.put(ServerFields.GATEWAY_EPOCH, Long.toString(epoch));
            fields.put(ServerFields.GATEWAY_VERSION, Long.toString(version));
            clients.add(new Entry(id, fields));
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new IllegalArgumentException("clients must hold objects");
        }
        return clients;
    }

    private static Map<String, String> fields(JsonParser p, JsonToken t) {
        if (t != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("fields must be an object");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String name = p.nextName(); name != null; name = p.nextName()) {
            fields.put(name, string(p, p.nextToken(), name));
        }
        return fields;
    }

    private static String string(JsonParser p, JsonToken t, String name) {
        if (t != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        return p.getString();
    }

    private static long number(JsonParser p, JsonToken t, String name) {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalArgumentException(name + " must be an integer");
        }
        return p.getLongValue();
    }
}
