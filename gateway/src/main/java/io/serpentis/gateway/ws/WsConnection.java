package io.serpentis.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * One upgraded WebSocket connection, as the shared last stage ({@link WsEndpointHandler}) hands it what arrives:
 * the status protocol's {@link WsSession} or a dashboard viewer. Close frames and pings go straight to its
 * {@link #handshake()}. Event loop only.
 */
public interface WsConnection {

    /** The connection's closing handshake and lifecycle state. */
    WsCloseHandshake handshake();

    /** The client id the connection speaks for, for log lines; {@code null} when there is none (yet). */
    @Nullable
    String clientId();

    /** A complete text message. The caller releases {@code content}. */
    void onText(ByteBuf content);

    /** A complete binary message. */
    void onBinary();

    /** Nothing arrived within the liveness timeout: close the connection with 4002. */
    void onTimedOut();

    /** The channel's writability changed. */
    void onWritabilityChanged(boolean writable);

    /** The frame decoder refused a frame (1002, 1007, 1009) and already sent its close frame. */
    void onCloseSentByDecoder(WebSocketCloseStatus status);

    /** A message over the size limit, found by the aggregator: close with 1009. */
    void onTooBig();

    /** An unexpected failure on this connection: close with 1011. */
    void onInternalError();

    /** The channel closed. */
    void onInactive();
}
