package io.serpentis.gateway.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection's closing handshake (RFC 6455 section 7), the same on every endpoint, and the lifecycle
 * state it drives: {@link State#OPEN}, possibly {@link State#LEAVING}, {@link State#CLOSING}, {@link State#CLOSED}.
 * A state only moves forward and nothing leaves {@code CLOSED} (Lettuce's {@code CommandHandler.setState}), so a
 * close frame is sent at most once and a closing connection never takes a message again.
 *
 * <p>Owned by one connection and confined to its event loop.
 */
public final class WsCloseHandshake {

    /** Where a connection is in its life, in order. */
    public enum State {
        /** Messages are processed, commands are delivered. */
        OPEN,
        /** The gateway told the peer to go (a disconnect command) and closes after a grace: no further commands. */
        LEAVING,
        /** A close frame went out or came in: data is no longer processed (RFC 6455 section 5.5.1). */
        CLOSING,
        /** The channel closed. */
        CLOSED
    }

    /** Who started a closing handshake. */
    public enum Initiator {
        GATEWAY,
        CLIENT
    }

    /** Told when a closing handshake starts: by a close frame of the gateway's or of the peer's. */
    @FunctionalInterface
    public interface Listener {
        /** A listener that does nothing. */
        Listener NONE = (initiator, code) -> {};

        /** A close frame carrying {@code code} (-1 for a close frame without one) started the handshake. */
        void closeStarted(Initiator initiator, int code);
    }

    private final ChannelHandlerContext ctx;
    private final long closeTimeoutNanos;
    private final Listener listener;
    private State state = State.OPEN;
    private @Nullable ScheduledFuture<?> closeTimer;

    /**
     * @param ctx the context of the connection's last stage, where close frames and pings are written
     * @param closeTimeout how long the peer has to answer a close frame before the channel is closed
     * @param listener told when a handshake starts (metrics, the reason a connection ended)
     */
    public WsCloseHandshake(ChannelHandlerContext ctx, Duration closeTimeout, Listener listener) {
        this.ctx = ctx;
        this.closeTimeoutNanos = closeTimeout.toNanos();
        this.listener = listener;
    }

    /** The connection's state. */
    public State state() {
        return state;
    }

    /** Whether no close frame went out or came in yet ({@link State#OPEN} or {@link State#LEAVING}). */
    public boolean isOpen() {
        return state.compareTo(State.CLOSING) < 0;
    }

    /** Moves to {@code next} if it lies ahead; {@code false} when the connection is there or beyond already. */
    private boolean setState(State next) {
        if (next.compareTo(state) <= 0) {
            return false;
        }
        state = next;
        return true;
    }

    /** The gateway told the peer to go: it is sent no further commands. */
    public void leave() {
        setState(State.LEAVING);
    }

    /** Sends a close frame once; a peer that does not answer within the close timeout is closed. */
    public void sendClose(WebSocketCloseStatus status) {
        if (!isOpen() || !ctx.channel().isActive()) {
            return;
        }
        setState(State.CLOSING);
        listener.closeStarted(Initiator.GATEWAY, status.code());
        ctx.writeAndFlush(new CloseWebSocketFrame(status));
        closeTimer = ctx.executor().schedule(this::closeChannel, closeTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** The peer's close frame: either its answer to ours or its own start of the closing handshake. */
    public void onCloseFrame(CloseWebSocketFrame frame) {
        if (!setState(State.CLOSING)) {
            closeChannel(); // the handshake is complete; the server closes TCP first (RFC 6455 section 7.1.1)
            return;
        }
        int code = frame.statusCode();
        listener.closeStarted(Initiator.CLIENT, code);
        // RFC 6455 section 5.5.1: answer with a close frame, echoing the status code received.
        CloseWebSocketFrame reply = code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
        ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
    }

    /** The frame decoder refused a frame and sent its own close frame, carrying {@code status}. */
    public void onCloseSentByDecoder(WebSocketCloseStatus status) {
        if (setState(State.CLOSING)) {
            listener.closeStarted(Initiator.GATEWAY, status.code());
        }
    }

    /**
     * Closes a connection whose peer went silent (nothing, not even a pong, for the liveness timeout): sends the
     * close frame for its benefit, best effort, and closes the channel at once. A peer silent that long is not
     * waited for, so its end is recorded without a further delay: a frame the socket takes at once still reaches a
     * live peer before the FIN; one it cannot take (a peer that does not read either) is dropped. If a handshake is
     * under way already, closes at once too.
     */
    public void closeSilentPeer(WebSocketCloseStatus status) {
        if (setState(State.CLOSING)) {
            listener.closeStarted(Initiator.GATEWAY, status.code());
            ctx.writeAndFlush(new CloseWebSocketFrame(status));
        }
        closeChannel();
    }

    /**
     * Closes at once, with a close frame written best effort: for a peer that does not read, whose buffered data
     * would otherwise be held while it is waited for. The frame most likely never gets out, so this is not counted
     * as the start of a handshake.
     */
    public void abort(WebSocketCloseStatus status) {
        setState(State.CLOSING);
        ctx.writeAndFlush(new CloseWebSocketFrame(status));
        closeChannel();
    }

    /** Pings the peer, unless the connection is closing. */
    public void ping() {
        if (isOpen()) {
            ctx.writeAndFlush(new PingWebSocketFrame());
        }
    }

    /** The channel closed: the connection is {@link State#CLOSED} for good. */
    public void onInactive() {
        setState(State.CLOSED);
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
        }
    }

    private void closeChannel() {
        ctx.channel().close();
    }
}
