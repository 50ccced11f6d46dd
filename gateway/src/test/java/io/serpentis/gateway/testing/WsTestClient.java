package io.serpentis.gateway.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A black-box WebSocket client on the JDK's own {@code java.net.http.WebSocket}: sends text, queues every text
 * message received, and records the server's close frame. Independent of Netty, so a bug in our Netty usage cannot
 * hide behind a matching bug in a Netty test client.
 */
public final class WsTestClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** The close frame the server sent. */
    public record Close(int code, String reason) {}

    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final WebSocket ws;

    private WsTestClient(WebSocket.Builder builder, URI uri) {
        this.ws = builder.buildAsync(uri, new Listener()).join();
    }

    /** Connects to {@code uri}. */
    public static WsTestClient connect(URI uri) {
        return new WsTestClient(HTTP.newWebSocketBuilder().connectTimeout(WAIT), uri);
    }

    /** Connects with extra request headers (name, value pairs). */
    public static WsTestClient connect(URI uri, String... headers) {
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(WAIT);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return new WsTestClient(b, uri);
    }

    /** Connects offering {@code subprotocols}. */
    public static WsTestClient connectWithSubprotocols(URI uri, String first, String... more) {
        return new WsTestClient(HTTP.newWebSocketBuilder().connectTimeout(WAIT).subprotocols(first, more), uri);
    }

    /** The subprotocol the server selected, or an empty string. */
    public String subprotocol() {
        return ws.getSubprotocol();
    }

    /** Sends a text message and waits until it is handed to the socket. */
    public WsTestClient send(String text) {
        ws.sendText(text, true).join();
        return this;
    }

    /** Sends a binary message. */
    public WsTestClient sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next text message, waiting up to 10 s. */
    public String next() {
        try {
            String m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new AssertionError(
                        "no message within " + WAIT + (closed.isDone() ? "; closed " + closed.join() : ""));
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next text message parsed as JSON. */
    public JsonNode nextJson() {
        return JSON.readTree(next());
    }

    /** Sends {@code text} and returns the reply. */
    public String request(String text) {
        send(text);
        return next();
    }

    /** A message if one arrives within {@code wait}, else {@code null}. */
    public String poll(Duration wait) throws InterruptedException {
        return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the server's close frame (up to 10 s). */
    public Close awaitClose() {
        return awaitClose(WAIT);
    }

    /** Waits for the server's close frame. */
    public Close awaitClose(Duration wait) {
        try {
            return closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the server did not close within " + wait);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Whether the server's close frame arrived. */
    public boolean isClosed() {
        return closed.isDone();
    }

    /** Starts the closing handshake from the client side. */
    public void close(int code, String reason) {
        ws.sendClose(code, reason).join();
    }

    /** Drops the TCP connection without a close frame. */
    public void abort() {
        ws.abort();
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already closing
            }
        }
        ws.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Close(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(new Close(-1, String.valueOf(error)));
        }
    }
}
