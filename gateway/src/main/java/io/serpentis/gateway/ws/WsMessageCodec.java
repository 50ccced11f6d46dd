package io.serpentis.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.internal.AsciiJson;
import io.serpentis.gateway.internal.Utf8;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StatusUpdate;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;

/**
 * The status protocol's JSON, both ways. Parses a text frame straight from its {@link ByteBuf} with Jackson's
 * streaming parser (no whole-frame {@code String}, no tree) into a {@link StatusUpdate}, and writes acks, errors
 * and commands the way the original's {@code json.dumps} does ({@code ", "} and {@code ": "} separators, non-ASCII
 * escaped), straight into a buffer.
 *
 * <p>A message is refused when it could mean different things to different readers: a key repeated in any object
 * (one reader keeps the first copy, another the last), or an unpaired surrogate escape such as
 * <code>"&#92;ud800"</code> in the {@code client_id}, a name or a value (not text: encoders replace it, so
 * <code>"v&#92;ud800"</code> would be stored as the id {@code v?} of another client).
 *
 * <p>Thread-safe: the only state is a per-thread scratch area.
 */
public final class WsMessageCodec {
    private static final byte[] ACK_HEAD = ascii("{\"result\": \"message_processed\", \"client_id\": ");
    private static final byte[] ACK_UPDATED = ascii(", \"status_updated\": [");
    private static final byte[] ACK_REGISTERED = ascii("\"connected\", \"connect_time\"");
    private static final byte[] ACK_REDIS = ascii("], \"redis_status\": \"");
    private static final byte[] ACK_TAIL = ascii("\"}");
    private static final byte[] ERROR_HEAD = ascii("{\"error\": ");
    private static final byte[] COMMAND_HEAD = ascii("{\"command\": \"");

    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    /**
     * Strict JSON for every message, whatever the injected factory's settings: NaN/Infinity, comments and trailing
     * commas are invalid (PROTOCOL.md section 7, row 8), and so is a key repeated in any object (Jackson keeps the
     * names of each object it is in). Set per parser, so the gateway's one factory serves here too.
     */
    private static final ObjectReadContext STRICT = strictJson(true);
    /** As strict, but without duplicate detection: only to tell a repeated key in valid JSON from invalid JSON. */
    private static final ObjectReadContext REPEATS_ALLOWED = strictJson(false);

    private static ObjectReadContext strictJson(boolean refuseRepeatedKeys) {
        return new ObjectReadContext.Base() {
            @Override
            public int getStreamReadFeatures(int defaults) {
                int duplicates = StreamReadFeature.STRICT_DUPLICATE_DETECTION.getMask();
                return refuseRepeatedKeys ? defaults | duplicates : defaults & ~duplicates;
            }

            @Override
            public int getFormatReadFeatures(int defaults) {
                return 0; // no JsonReadFeature: none of the lenient extensions of JSON
            }
        };
    }

    private final JsonFactory json;
    private final LimitsConfig limits;

    /**
     * @param limits the message limits
     * @param json the gateway's JSON factory ({@code JsonMapper.tokenStreamFactory()}); messages are read strictly
     *     whatever its settings
     */
    public WsMessageCodec(LimitsConfig limits, JsonFactory json) {
        this.limits = limits;
        this.json = json;
    }

    /** The outcome of {@link #parse}: exactly one of {@code update} and {@code error} is set. */
    public record Parsed(
            @Nullable StatusUpdate update, @Nullable ProtocolError error) {
        /** Checks that exactly one of {@code update} and {@code error} is set. */
        public Parsed {
            if ((update == null) == (error == null)) {
                throw new IllegalArgumentException("exactly one of update and error is set");
            }
        }

        static Parsed ok(StatusUpdate u) {
            return new Parsed(u, null);
        }

        static Parsed fail(ProtocolError e) {
            return new Parsed(null, e);
        }
    }

    /**
     * Parses one text message. The buffer is read, not released. The whole text must be valid JSON before any
     * other rule is checked, so a client always learns the first thing wrong with its message.
     */
    public Parsed parse(ByteBuf content) {
        Scratch s = SCRATCH.get();
        int length = content.readableBytes();
        byte[] bytes;
        int offset;
        if (content.hasArray()) {
            bytes = content.array();
            offset = content.arrayOffset() + content.readerIndex();
        } else {
            bytes = s.bytes(length);
            content.getBytes(content.readerIndex(), bytes, 0, length);
            offset = 0;
        }
        s.reset();
        boolean checkText = mayHoldUnpairedSurrogate(content);
        JsonParser p = null;
        try {
            p = json.createParser(STRICT, bytes, offset, length);
            return parse(p, s, checkText);
        } catch (JacksonException e) {
            return Parsed.fail(refusal(e, p, bytes, offset, length));
        } finally {
            if (p != null) {
                p.close();
            }
        }
    }

    /**
     * Why the strict parser gave up. A message that is valid JSON apart from a repeated key gets the duplicate error
     * (checked by parsing again without duplicate detection, so invalid JSON is still reported as such wherever the
     * repeat is); Jackson's refusal of an unpaired surrogate in a name gets the Unicode error.
     */
    private ProtocolError refusal(
            JacksonException strict, @Nullable JsonParser p, byte[] bytes, int offset, int length) {
        String name = p == null || !(strict instanceof StreamReadException)
                ? null
                : p.streamReadContext().currentName();
        try (JsonParser again = json.createParser(REPEATS_ALLOWED, bytes, offset, length)) {
            if (again.nextToken() == null) {
                return ProtocolError.INVALID_JSON;
            }
            again.skipChildren();
            requireEnd(again);
        } catch (JacksonException e) {
            return isSurrogateError(e) ? ProtocolError.NAME_NOT_UNICODE : ProtocolError.INVALID_JSON;
        }
        // Valid JSON: the only rule the strict parser adds is the one against repeated keys.
        return name == null ? ProtocolError.INVALID_JSON : ProtocolError.duplicateKey(quoteShort(name));
    }

    /**
     * Jackson refuses a lone surrogate escape in a property name ("Broken surrogate pair in property name", "Unexpected
     * low surrogate in property name"); a surrogate encoded in UTF-8 is invalid UTF-8, refused by the frame decoder
     * first (1007), and here invalid JSON like any other bad byte.
     */
    private static boolean isSurrogateError(JacksonException e) {
        String m = e.getOriginalMessage();
        return e instanceof StreamReadException && m != null && m.contains("surrogate") && m.contains("property name");
    }

    /**
     * Whether the text may decode to an unpaired surrogate, found by reading its backslash escapes left to right
     * (the backslashes are found eight bytes at a time). Jackson refuses surrogates encoded in UTF-8, and a 4-byte
     * UTF-8 sequence decodes to a whole pair, so an unpaired one can only come from an escape: a high one
     * <code>&#92;uD800</code>-<code>&#92;uDBFF</code> not followed at once by a low escape, or a low one
     * <code>&#92;uDC00</code>-<code>&#92;uDFFF</code> on its own. Nearly every message has none (an emoji sent
     * by {@code json.dumps} is a pair of escapes), and then no decoded string needs checking. Text that is not
     * valid JSON may answer either way: the parser refuses it anyway.
     */
    static boolean mayHoldUnpairedSurrogate(ByteBuf content) {
        int end = content.writerIndex();
        int i = nextBackslash(content, content.readerIndex(), end);
        while (i >= 0 && i + 1 < end) {
            if (content.getByte(i + 1) != 'u') {
                i = nextBackslash(content, i + 2, end); // a two-character escape, an escaped backslash included
                continue;
            }
            int c = hexEscape(content, i, end);
            if (c >= 0xdc00 && c <= 0xdfff) {
                return true; // a low surrogate no high one came before
            }
            if (c >= 0xd800 && c <= 0xdbff) {
                int low = hexEscape(content, i + 6, end);
                if (low < 0xdc00 || low > 0xdfff) {
                    return true;
                }
                i += 6; // the pair's low half
            }
            i = nextBackslash(content, i + 6, end);
        }
        return false;
    }

    /** The index of the next backslash in {@code [from, end)}, or -1 (never a reversed search). */
    private static int nextBackslash(ByteBuf content, int from, int end) {
        return from < end ? content.indexOf(from, end, (byte) '\\') : -1;
    }

    /** The code unit of the escape <code>&#92;uXXXX</code> at {@code i}, or -1 when there is none. */
    private static int hexEscape(ByteBuf content, int i, int end) {
        if (i + 6 > end || content.getByte(i) != '\\' || content.getByte(i + 1) != 'u') {
            return -1;
        }
        int c = 0;
        for (int k = i + 2; k < i + 6; k++) {
            int d = Character.digit(content.getByte(k), 16);
            if (d < 0) {
                return -1;
            }
            c = c << 4 | d;
        }
        return c;
    }

    private Parsed parse(JsonParser p, Scratch s, boolean checkText) {
        JsonToken root = p.nextToken();
        if (root == null) {
            return Parsed.fail(ProtocolError.INVALID_JSON);
        }
        if (root != JsonToken.START_OBJECT) {
            p.skipChildren();
            requireEnd(p);
            return Parsed.fail(ProtocolError.NOT_AN_OBJECT);
        }
        String clientId = null;
        JsonToken clientIdToken = null;
        boolean statusNotObject = false;
        ProtocolError fieldError = null;
        for (String name = p.nextName(); name != null; name = p.nextName()) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "client_id" -> {
                    clientIdToken = t;
                    clientId = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    p.skipChildren();
                }
                case "status" -> {
                    // Once only: the parser refuses a repeated key.
                    if (t == JsonToken.START_OBJECT) {
                        fieldError = readStatus(p, s, checkText);
                    } else if (t != JsonToken.VALUE_NULL) {
                        statusNotObject = true;
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren(); // unknown top-level fields are ignored, as the original did
            }
        }
        requireEnd(p);
        // clientId is set exactly when client_id's token is a string.
        if (clientIdToken == null
                || clientIdToken == JsonToken.VALUE_NULL
                || (clientId != null && clientId.isEmpty())) {
            return Parsed.fail(ProtocolError.CLIENT_ID_REQUIRED);
        }
        if (clientId == null) {
            return Parsed.fail(ProtocolError.CLIENT_ID_NOT_A_STRING);
        }
        if (checkText && !Utf8.isWellFormed(clientId)) {
            return Parsed.fail(ProtocolError.CLIENT_ID_NOT_UNICODE);
        }
        if (Utf8.exceeds(clientId, limits.maxClientIdBytes())) {
            return Parsed.fail(ProtocolError.limit("client_id is longer than max-client-id-bytes ("
                    + limits.maxClientIdBytes() + " bytes); nothing was stored"));
        }
        if (statusNotObject) {
            return Parsed.fail(ProtocolError.STATUS_NOT_AN_OBJECT);
        }
        if (fieldError != null) {
            return Parsed.fail(fieldError);
        }
        if (s.count == 0) {
            return Parsed.ok(StatusUpdate.idOnly(clientId));
        }
        return Parsed.ok(new StatusUpdate(clientId, Arrays.copyOf(s.names, s.count), Arrays.copyOf(s.values, s.count)));
    }

    /** Reads the attributes of {@code status}; returns the first rule broken, or {@code null}. */
    private @Nullable ProtocolError readStatus(JsonParser p, Scratch s, boolean checkText) {
        ProtocolError error = null;
        int seen = 0;
        for (String name = p.nextName(); name != null; name = p.nextName()) {
            JsonToken t = p.nextToken();
            if (error != null) {
                p.skipChildren(); // keep validating the JSON, store nothing
                continue;
            }
            String value = switch (t) {
                case VALUE_STRING -> p.getString();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText(); // the number exactly as sent
                case VALUE_TRUE -> "true";
                case VALUE_FALSE -> "false";
                case VALUE_NULL -> "null";
                case START_ARRAY, START_OBJECT -> compactJson(p);
                default -> throw new AssertionError("unexpected token " + t);
            };
            if (++seen > limits.maxAttributesPerMessage()) {
                error = ProtocolError.limit("status has more than max-attributes-per-message ("
                        + limits.maxAttributesPerMessage() + ") attributes; nothing was stored");
            } else if (checkText && !Utf8.isWellFormed(name)) {
                error = ProtocolError.NAME_NOT_UNICODE; // the parser refuses these first; kept for any other parser
            } else if (checkText && !Utf8.isWellFormed(value)) {
                // strings nested in an array or object value are checked here too, in its compact text
                error = ProtocolError.valueNotUnicode(quoteShort(name));
            } else if (Utf8.exceeds(name, limits.maxAttributeNameBytes())) {
                error = ProtocolError.limit("attribute name " + quoteShort(name)
                        + " is longer than max-attribute-name-bytes (" + limits.maxAttributeNameBytes()
                        + " bytes); nothing was stored");
            } else if (Utf8.exceeds(value, limits.maxValueBytes())) {
                error = ProtocolError.limit("value of attribute " + quoteShort(name)
                        + " is longer than max-value-bytes (" + limits.maxValueBytes() + " bytes); nothing was stored");
            } else {
                s.put(name, value);
            }
        }
        return error;
    }

    /**
     * The compact JSON text of the array or object at the parser's current token. Numbers keep the text they were
     * sent as ({@code copyCurrentStructureExact} would go through {@code BigDecimal}: {@code 1e+100} became
     * {@code 1E+100} and {@code -0.0} lost its sign).
     */
    private String compactJson(JsonParser p) {
        StringWriter w = new StringWriter(64);
        try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), w)) {
            int depth = 0;
            for (JsonToken t = p.currentToken(); ; t = p.nextToken()) {
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    g.writeNumber(p.getText());
                } else {
                    g.copyCurrentEvent(p);
                }
                depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
                if (depth == 0) {
                    break;
                }
            }
        }
        return w.toString();
    }

    private static void requireEnd(JsonParser p) {
        if (p.nextToken() != null) {
            throw new TrailingContentException(p);
        }
    }

    /**
     * A name as error texts quote it: its first 40 characters (never half a surrogate pair) and {@code ...}; control
     * characters and unpaired surrogates as <code>&#92;uXXXX</code> text, so that neither the reply nor a log line
     * carries them raw.
     */
    static String quoteShort(String name) {
        int end = Math.min(name.length(), 40);
        if (end < name.length()
                && Character.isHighSurrogate(name.charAt(end - 1))
                && Character.isLowSurrogate(name.charAt(end))) {
            end--;
        }
        StringBuilder b = new StringBuilder(end + 8).append('\'');
        for (int i = 0; i < end; i++) {
            char c = name.charAt(i);
            boolean paired = Character.isHighSurrogate(c)
                    ? i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))
                    : Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(name.charAt(i - 1));
            if (c < 0x20 || c == 0x7f || (Character.isSurrogate(c) && !paired)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append(end < name.length() ? "...'" : "'").toString();
    }

    /**
     * Writes the ack of a processed message: {@code status_updated} lists the message's attributes in the order
     * sent, without server-owned names, then {@code connected} and {@code connect_time} when the message
     * registered the id.
     */
    public ByteBuf encodeAck(ByteBufAllocator alloc, StatusUpdate update, boolean registered, String redisStatus) {
        ByteBuf out = alloc.ioBuffer(96 + update.clientId().length() + update.size() * 16);
        out.writeBytes(ACK_HEAD);
        AsciiJson.writeString(out, update.clientId());
        out.writeBytes(ACK_UPDATED);
        boolean first = true;
        for (String name : update.names()) {
            if (ServerFields.isServerOwned(name)) {
                continue;
            }
            if (!first) {
                out.writeShort((',' << 8) | ' ');
            }
            AsciiJson.writeString(out, name);
            first = false;
        }
        if (registered) {
            if (!first) {
                out.writeShort((',' << 8) | ' ');
            }
            out.writeBytes(ACK_REGISTERED);
        }
        out.writeBytes(ACK_REDIS);
        out.writeCharSequence(redisStatus, StandardCharsets.US_ASCII);
        out.writeBytes(ACK_TAIL);
        return out;
    }

    /** Writes {@code {"error": "<message>"}}. */
    public static ByteBuf encodeError(ByteBufAllocator alloc, String message) {
        ByteBuf out = alloc.ioBuffer(16 + message.length());
        out.writeBytes(ERROR_HEAD);
        AsciiJson.writeString(out, message);
        out.writeByte('}');
        return out;
    }

    /** Writes {@code {"command": "<name>"}}. */
    public static ByteBuf encodeCommand(ByteBufAllocator alloc, ClientCommand command) {
        ByteBuf out = alloc.ioBuffer(32);
        out.writeBytes(COMMAND_HEAD);
        out.writeCharSequence(command.wireName(), StandardCharsets.US_ASCII);
        out.writeBytes(ACK_TAIL);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Thrown when valid JSON is followed by more than whitespace; mapped to "Invalid JSON format". */
    private static final class TrailingContentException extends StreamReadException {
        private static final long serialVersionUID = 1L;

        TrailingContentException(JsonParser p) {
            super(p, "trailing content after the JSON value");
        }
    }

    /** Per-thread parse state: a copy area for direct buffers and the attribute list being built. */
    private static final class Scratch {
        private byte[] bytes = new byte[4096];
        String[] names = new String[16];
        String[] values = new String[16];
        int count;

        byte[] bytes(int length) {
            if (bytes.length < length) {
                bytes = new byte[Math.max(length, bytes.length * 2)];
            }
            return bytes;
        }

        void reset() {
            Arrays.fill(names, 0, count, null);
            Arrays.fill(values, 0, count, null);
            count = 0;
        }

        void put(String name, String value) {
            // names are distinct: the parser refuses a repeated key
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            names[count] = name;
            values[count++] = value;
        }
    }
}
