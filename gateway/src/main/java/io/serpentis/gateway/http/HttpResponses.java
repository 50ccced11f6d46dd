package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds responses. Every response carries {@code Content-Length} and the {@link SecurityHeaders} defaults; JSON
 * bodies are compact, as FastAPI writes them, and errors use the original's {@code {"detail": "..."}} shape. No
 * response grants CORS access ({@code Access-Control-Allow-*}).
 */
public final class HttpResponses {
    static final String JSON = "application/json";
    private final JsonMapper mapper;

    public HttpResponses(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** The shared JSON mapper. */
    public JsonMapper mapper() {
        return mapper;
    }

    /** A JSON response of {@code body} serialised by Jackson. */
    public FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, Object body) {
        byte[] bytes = mapper.writeValueAsBytes(body);
        ByteBuf content = alloc.buffer(bytes.length).writeBytes(bytes);
        return response(status, content, JSON);
    }

    /** {@code {"detail": message}} with {@code status}. */
    public FullHttpResponse detail(ByteBufAllocator alloc, HttpResponseStatus status, String message) {
        return json(alloc, status, Map.of("detail", message));
    }

    /**
     * The answer of a route that reads a query string: {@code parse} reads {@code exchange}'s query, and
     * {@code answer} answers what it parsed, at once. A query {@code parse} refuses by throwing
     * {@link IllegalArgumentException} (a {@code ClientFilter} expression's error included) is answered 400 with
     * {@code {"detail": ...}} giving its message.
     */
    public <Q> CompletionStage<FullHttpResponse> answerQuery(
            HttpExchange exchange,
            Function<HttpExchange, Q> parse,
            BiFunction<HttpExchange, Q, FullHttpResponse> answer) {
        Q query;
        try {
            query = parse.apply(exchange);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(badQuery(exchange.alloc(), e));
        }
        return CompletableFuture.completedFuture(answer.apply(exchange, query));
    }

    /** 400 with {@code {"detail": ...}} giving why a query (or a parameter of it) was refused. */
    public FullHttpResponse badQuery(ByteBufAllocator alloc, IllegalArgumentException e) {
        return detail(alloc, HttpResponseStatus.BAD_REQUEST, Objects.requireNonNullElse(e.getMessage(), "Bad query"));
    }

    /** {@code {"message": message}} with 200, the shape of the original's command replies. */
    public FullHttpResponse message(ByteBufAllocator alloc, String message) {
        return json(alloc, HttpResponseStatus.OK, Map.of("message", message));
    }

    /** An ordered JSON object of the given pairs. */
    public static Map<String, Object> object(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** A response owning {@code content}. */
    public static FullHttpResponse response(HttpResponseStatus status, ByteBuf content, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        SecurityHeaders.setDefaults(r.headers());
        return r;
    }

    /** A response with no body. */
    public static FullHttpResponse empty(HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    /** Marks {@code r} as the last response on its connection. */
    public static FullHttpResponse closing(FullHttpResponse r) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
