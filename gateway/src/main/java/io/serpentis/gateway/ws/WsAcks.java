package io.serpentis.gateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.serpentis.gateway.registry.StatusUpdate;
import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One connection's acknowledgements ({@code message_processed}). By default an accepted update is acknowledged at
 * once. With durable acks ({@code --redis-ack-mode durable}) each is held with the record version that includes it
 * and acknowledged, in order, once the store's writer reports that Redis holds that version or a newer one
 * ({@link #release}). A connection speaks for one client and its versions only grow, so acks leave in the order
 * the messages came.
 *
 * <p>Bounded: at {@link #MAX_PENDING} waiting acks the session stops reading the connection ({@link #isFull()})
 * until some are released, so a client that sends without waiting for its acks cannot grow the queue beyond that
 * and what one read already holds. What waits is the update (the ack lists its attribute names), never an encoded
 * buffer: when the connection ends the queue is dropped, and those updates were never acknowledged.
 *
 * <p>Threading: the channel's event loop only.
 */
final class WsAcks {
    /** The most acks one connection may have waiting for the store before it is no longer read. */
    static final int MAX_PENDING = 256;

    /** An ack ({@code update} set) or an error reply ({@code error} set) that leaves once the store holds version. */
    private record Pending(
            long version,
            @Nullable StatusUpdate update,
            boolean registered,
            @Nullable String error) {}

    private final ChannelHandlerContext ctx;
    private final WsMessageCodec codec;
    private final Supplier<String> redisStatus;
    private final boolean durable;
    /** Created by the first ack that waits: most connections (the default mode) never need one. */
    private @Nullable ArrayDeque<Pending> pending;

    /** @param durable whether acks wait for the store */
    WsAcks(ChannelHandlerContext ctx, WsMessageCodec codec, Supplier<String> redisStatus, boolean durable) {
        this.ctx = ctx;
        this.codec = codec;
        this.redisStatus = redisStatus;
        this.durable = durable;
    }

    /**
     * {@code update} was accepted as record version {@code version}: acknowledges it now (written, flushed at the end
     * of the read) or holds the ack until the store holds that version. Returns {@link #isFull()}.
     */
    boolean accepted(StatusUpdate update, boolean registered, long version) {
        if (!durable) {
            ctx.write(new TextWebSocketFrame(codec.encodeAck(ctx.alloc(), update, registered, redisStatus.get())));
            return false;
        }
        ArrayDeque<Pending> q = pending;
        if (q == null) {
            q = new ArrayDeque<>();
            pending = q;
        }
        q.add(new Pending(version, update, registered, null));
        return isFull();
    }

    /**
     * Replies with an error ({@code {"error": ...}}) to a message that was not accepted: at once, or, while acks of
     * earlier messages wait for the store, right after them, so that replies keep the order of the messages.
     */
    void error(String message) {
        ArrayDeque<Pending> q = pending;
        Pending last = q == null ? null : q.peekLast();
        if (q == null || last == null) {
            ctx.write(new TextWebSocketFrame(WsMessageCodec.encodeError(ctx.alloc(), message)));
        } else {
            q.add(new Pending(last.version(), null, false, message));
        }
    }

    /**
     * The store holds the client at {@code version} or newer: writes (and flushes) the acks of every update up to
     * it. Returns whether any was written.
     */
    boolean release(long version) {
        boolean wrote = false;
        Pending p;
        ArrayDeque<Pending> q = pending;
        while (q != null && (p = q.peek()) != null && p.version() <= version) {
            q.poll();
            if (ctx.channel().isActive()) {
                StatusUpdate u = p.update();
                ctx.write(new TextWebSocketFrame(
                        u != null
                                ? codec.encodeAck(ctx.alloc(), u, p.registered(), redisStatus.get())
                                : WsMessageCodec.encodeError(ctx.alloc(), String.valueOf(p.error()))));
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        return wrote;
    }

    /** Whether the connection must stop being read until acks are released. */
    boolean isFull() {
        return size() >= MAX_PENDING;
    }

    /** How many acks wait. */
    int size() {
        ArrayDeque<Pending> q = pending;
        return q == null ? 0 : q.size();
    }

    /** The connection ended: what waits is never acknowledged. */
    void clear() {
        pending = null;
    }
}
