package io.serpentis.gateway.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.MissingNode;

/**
 * The JSON bodies of the operator routes that act ({@code POST .../commands}): {@code application/json} only, which
 * also keeps plain cross-site form posts out, and each key named once. Readers disagree about which copy of a
 * repeated key counts, so such a body is refused, as a message on {@code /ws} with a repeated key is. Immutable.
 */
final class JsonBodies {
    private final HttpResponses responses;
    /** The gateway's mapper, refusing a key repeated in any object of the body. */
    private final ObjectReader strict;

    /** Why a body was refused: the answer's status and {@code detail}. */
    static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient HttpResponseStatus status;

        RefusedException(HttpResponseStatus status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }

        HttpResponseStatus status() {
            return status;
        }
    }

    JsonBodies(HttpResponses responses) {
        this.responses = responses;
        this.strict = responses.mapper().reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    /**
     * The request's body as a tree (a missing node when empty).
     *
     * @param example a body to show in the 415's detail
     * @throws RefusedException 415 for another media type, 400 for invalid JSON or a repeated key
     */
    JsonNode read(HttpExchange exchange, String example) throws RefusedException {
        CharSequence mime = HttpUtil.getMimeType(exchange.request());
        if (mime == null || !"application/json".contentEquals(mime.toString().toLowerCase(Locale.ROOT))) {
            throw new RefusedException(
                    HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Send the command as Content-Type: application/json, e.g. " + example);
        }
        String text = exchange.request().content().toString(StandardCharsets.UTF_8);
        try {
            JsonNode body = strict.readTree(text);
            return body == null ? MissingNode.getInstance() : body;
        } catch (JacksonException e) {
            throw new RefusedException(HttpResponseStatus.BAD_REQUEST, refusal(e, text));
        }
    }

    /**
     * Why the strict reader refused the body. Valid JSON to the lenient reader means the one rule the strict reader
     * adds was broken: a repeated key, whose name the strict parser was at when it stopped.
     */
    private String refusal(JacksonException strictError, String text) {
        try {
            responses.mapper().readTree(text);
        } catch (JacksonException e) {
            return "The body is not valid JSON";
        }
        String name = strictError.processor() instanceof JsonParser p
                ? p.streamReadContext().currentName()
                : null;
        return "Duplicate key " + quote(name) + "in the body; send each key once (nothing was sent)";
    }

    /** {@code 'name' } cut to 40 characters (the detail is JSON, so any character is written safely), or none. */
    private static String quote(@Nullable String name) {
        if (name == null) {
            return "";
        }
        return "'" + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "' ";
    }
}
