package io.serpentis.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.UpdateOutcome;
import io.serpentis.gateway.security.Admission;
import io.serpentis.gateway.security.MessageRatePolicy;
import io.serpentis.gateway.ws.WsCloseHandshake.Initiator;
import io.serpentis.gateway.ws.WsMetricsRecorder.MessageKind;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status protocol on one WebSocket connection: registration, updates, acks, errors, operator commands and
 * every way the connection ends. Created by {@link WsFrameHandler} when the handshake completes. Its lifecycle is
 * its {@link WsCloseHandshake}'s state; {@code superseded} is kept apart, because the registry sets and reads it
 * from other threads.
 *
 * <p>Threading: all state is confined to the channel's event loop, except {@code superseded} (volatile). The
 * {@link ClientConnection} methods may be called from any thread and hop to the event loop.
 */
public final class WsSession implements WsConnection, ClientConnection, WsCloseHandshake.Listener {
    /** The session of a WebSocket channel, once upgraded. */
    public static final AttributeKey<WsSession> KEY = AttributeKey.valueOf(WsSession.class, "session");

    private static final Logger log = LoggerFactory.getLogger(WsSession.class);
    private static final String TOO_BIG_DETAIL = "message larger than max-frame-bytes";

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final ClientRegistry registry;
    private final WsMessageCodec codec;
    private final WsConfig config;
    private final WsMetricsRecorder metrics;
    private final WsCloseHandshake handshake;
    /** What the upgrade gate granted: the token's subject and expiry, the message rate, the slow-consumer timeout. */
    private final Admission admission;

    private final Ticker ticker;
    private final @Nullable MessageRatePolicy messageRate;
    private @Nullable String clientId;
    /** Why the connection is ending; the first cause wins, so each end is recorded once. */
    private @Nullable DisconnectReason reason;
    /** Set by the registry, under the record's lock, when a newer connection registers this client id. */
    private volatile boolean superseded;

    /** Created by the first refused message. */
    private @Nullable RejectLog rejectLog;

    private @Nullable ScheduledFuture<?> slowConsumerCheck;
    private @Nullable ScheduledFuture<?> tokenExpiry;
    private final WsAcks acks;

    WsSession(
            ChannelHandlerContext ctx,
            ClientRegistry registry,
            WsMessageCodec codec,
            Supplier<String> redisStatus,
            WsConfig config,
            WsMetricsRecorder metrics,
            boolean durableAcks) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.registry = registry;
        this.codec = codec;
        this.config = config;
        this.metrics = metrics;
        this.handshake = new WsCloseHandshake(ctx, config.closeTimeout(), this); // no listener object per session
        this.acks = new WsAcks(ctx, codec, redisStatus, durableAcks);
        Admission granted = takeAdmission(channel);
        this.admission = granted != null ? granted : Admission.DEFAULT;
        this.ticker = ctx.executor() instanceof AbstractScheduledEventExecutor e ? e.ticker() : Ticker.systemTicker();
        this.messageRate = MessageRatePolicy.of(admission.limits());
        long expiresAt = admission.principal().expiresAtMillis();
        if (expiresAt > 0) {
            tokenExpiry = ctx.executor()
                    .schedule(
                            this::onTokenExpired,
                            Math.max(0, expiresAt - System.currentTimeMillis()),
                            TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The grant the upgrade gate left on the channel, taken off it: the session keeps it, and the channel's
     * attribute table one entry less (about 30 bytes per connection).
     */
    // Attribute.getAndRemove() is deprecated because a holder of the removed attribute could still set it; nothing
    // holds or reads this one after the session took it.
    @SuppressWarnings("deprecation")
    private static @Nullable Admission takeAdmission(Channel channel) {
        return channel.attr(Admission.KEY).getAndRemove();
    }

    @Override
    public WsCloseHandshake handshake() {
        return handshake;
    }

    /** The registered client id, or {@code null} before the first valid message. Event loop only. */
    @Override
    public @Nullable String clientId() {
        return clientId;
    }

    @Override
    public String connectionId() {
        return channel.id().asShortText();
    }

    /** Handles one complete text message and records how long that took. The caller releases {@code content}. */
    @Override
    public void onText(ByteBuf content) {
        long started = System.nanoTime();
        handleText(content);
        metrics.messageProcessed(System.nanoTime() - started);
    }

    private void handleText(ByteBuf content) {
        if (!handshake.isOpen() || superseded) {
            return; // RFC 6455 section 5.5.1: after a close frame, data is no longer processed
        }
        if (messageRate != null) {
            MessageRatePolicy.Verdict verdict = messageRate.onMessage(ticker.nanoTime());
            if (verdict != MessageRatePolicy.Verdict.ACCEPT) {
                onRateLimited(content, verdict); // before parsing: a refusal must cost next to nothing
                return;
            }
        }
        WsMessageCodec.Parsed parsed = codec.parse(content);
        ProtocolError error = parsed.error();
        if (error != null) {
            if (clientId != null) {
                registry.seen(this, clientId);
            }
            rejected(error.kind(), error.message(), content);
            sendError(error.message());
            if (error.close()) {
                setReason(DisconnectReason.protocolError(Objects.requireNonNull(error.disconnectDetail())));
                handshake.sendClose(new WebSocketCloseStatus(1000, ""));
            }
            return;
        }
        StatusUpdate update = Objects.requireNonNull(parsed.update(), "neither an error nor an update");
        String subject = admission.principal().subject();
        if (subject != null && !subject.equals(update.clientId())) {
            // A token authorizes one client_id: claiming another is forgery, not a mistake to retry.
            rejected(RejectKind.SUBJECT_MISMATCH, "client_id differs from the token's subject", content);
            sendError("client_id " + quoteShort(update.clientId()) + " is not the client_id this connection's token "
                    + "authorizes (its sub); nothing was stored and the connection is closed");
            setReason(DisconnectReason.policy("Policy violation: client_id does not match the token"));
            metrics.policyClose(PolicyClose.SUBJECT_MISMATCH);
            handshake.sendClose(WsCloseCodes.SUBJECT_MISMATCH);
            return;
        }
        if (clientId != null && !clientId.equals(update.clientId())) {
            registry.seen(this, clientId);
            rejected(RejectKind.ID_MISMATCH, "client_id differs", content);
            sendError("client_id differs from the one this connection registered; a connection speaks for one"
                    + " client, so nothing was stored");
            return;
        }
        UpdateOutcome outcome = registry.apply(this, update);
        switch (outcome.kind()) {
            case REJECTED -> {
                String message = Objects.requireNonNull(outcome.error());
                rejected(RejectKind.LIMIT, message, content);
                sendError(message);
            }
            case REGISTERED -> {
                metrics.accepted(MessageKind.REGISTRATION);
                if (clientId == null) {
                    clientId = update.clientId();
                    ConnectionLog.debug(log, channel, clientId, "client registered");
                }
                if (acks.accepted(update, true, outcome.version())) {
                    updateAutoRead();
                }
            }
            case UPDATED -> {
                metrics.accepted(MessageKind.UPDATE);
                if (acks.accepted(update, false, outcome.version())) {
                    updateAutoRead();
                }
            }
        }
    }

    /**
     * A message over the connection's rate: answered with an error and not stored. A connection refused without a
     * pause of a second or more for {@code rate-limit-close-after} is closed with 1008.
     */
    private void onRateLimited(ByteBuf content, MessageRatePolicy.Verdict verdict) {
        ConnectionLimitsConfig limits = admission.limits();
        rejected(RejectKind.RATE_LIMITED, "rate limit exceeded", content);
        sendError("rate limit exceeded: more than " + limits.messageRate() + " messages per second (--message-rate, "
                + "bursts of " + limits.messageBurst() + "); nothing was stored");
        if (verdict == MessageRatePolicy.Verdict.REFUSE_AND_CLOSE) {
            ConnectionLog.debug(
                    log,
                    channel,
                    clientId,
                    "closing: messages over the rate limit for {} s",
                    limits.rateLimitCloseAfter().toSeconds());
            setReason(DisconnectReason.policy("Policy violation: message rate limit exceeded"));
            metrics.policyClose(PolicyClose.RATE_LIMIT);
            handshake.sendClose(WsCloseCodes.RATE_LIMITED);
        }
    }

    /**
     * The channel's writability changed. While the peer leaves our replies unread (over the high watermark) the
     * connection stops being read, so nothing more is produced for it and an unread backlog is bounded by the
     * watermark; if that lasts the slow-consumer timeout the connection is closed: its buffered replies are
     * dropped, the close frame goes out best effort.
     */
    @Override
    public void onWritabilityChanged(boolean writable) {
        updateAutoRead();
        if (writable) {
            if (slowConsumerCheck != null) {
                slowConsumerCheck.cancel(false);
                slowConsumerCheck = null;
            }
        } else if (slowConsumerCheck == null && channel.isActive()) {
            slowConsumerCheck = ctx.executor()
                    .schedule(
                            this::onSlowConsumer,
                            admission.limits().slowConsumerTimeout().toNanos(),
                            TimeUnit.NANOSECONDS);
        }
    }

    /** Reads while the peer reads our replies and, with durable acks, while few enough acks wait for the store. */
    private void updateAutoRead() {
        channel.config().setAutoRead(channel.isWritable() && !acks.isFull());
    }

    /** The store holds this client at {@code version}: durable acks up to it go out. Any thread. */
    @Override
    public void stored(long version) {
        execute(() -> {
            if (handshake.state() == WsCloseHandshake.State.OPEN && !superseded) {
                boolean wasFull = acks.isFull();
                acks.release(version);
                if (wasFull && !acks.isFull()) {
                    updateAutoRead();
                }
            }
        });
    }

    private void onSlowConsumer() {
        slowConsumerCheck = null;
        if (channel.isWritable() || !channel.isActive()) {
            return;
        }
        long seconds = admission.limits().slowConsumerTimeout().toSeconds();
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        ConnectionLog.debug(
                log,
                channel,
                clientId,
                "closing: replies not read for {} s ({} bytes pending)",
                seconds,
                pending == null ? 0 : pending.totalPendingWriteBytes());
        setReason(DisconnectReason.policy("Policy violation: replies not read for " + seconds + " s"));
        metrics.policyClose(PolicyClose.SLOW_CONSUMER);
        // The peer is not reading: waiting for its close frame would hold the buffer; close now.
        handshake.abort(WsCloseCodes.SLOW_CONSUMER);
    }

    /** The JWT this connection was opened with expired: close with 1008; the client reconnects with a fresh one. */
    private void onTokenExpired() {
        tokenExpiry = null;
        if (!handshake.isOpen() || !channel.isActive()) {
            return;
        }
        ConnectionLog.debug(log, channel, clientId, "token expired");
        setReason(DisconnectReason.policy("Token expired"));
        metrics.policyClose(PolicyClose.TOKEN_EXPIRED);
        handshake.sendClose(WsCloseCodes.TOKEN_EXPIRED);
    }

    private static String quoteShort(String s) {
        return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    }

    /** A binary frame: the protocol is JSON text (PROTOCOL.md section 7, row 13). */
    @Override
    public void onBinary() {
        if (!handshake.isOpen()) {
            return;
        }
        metrics.rejected(MessageKind.BINARY, RejectKind.BINARY);
        sendError("Binary frames are not supported; send JSON text frames");
        setReason(DisconnectReason.protocolError("binary frame"));
        handshake.sendClose(WsCloseCodes.BINARY_UNSUPPORTED);
    }

    /** A closing handshake started: count its close frame; one the client started is how its connection ends. */
    @Override
    public void closeStarted(Initiator initiator, int code) {
        if (initiator == Initiator.CLIENT) {
            setReason(DisconnectReason.CLIENT);
        }
        metrics.closeFrame(initiator, code);
    }

    @Override
    public void onTimedOut() {
        setReason(DisconnectReason.timedOut(config.livenessTimeout().toSeconds()));
        ConnectionLog.debug(log, channel, clientId, "liveness timeout");
        handshake.closeSilentPeer(WsCloseCodes.LIVENESS_TIMEOUT);
    }

    /** A message over the size limit, found by the aggregator (the decoder sends 1009 itself for single frames). */
    @Override
    public void onTooBig() {
        setReason(DisconnectReason.protocolError(TOO_BIG_DETAIL));
        handshake.sendClose(WsCloseCodes.TOO_BIG);
    }

    @Override
    public void onCloseSentByDecoder(WebSocketCloseStatus status) {
        setReason(DisconnectReason.protocolError(
                status.code() == WsCloseCodes.TOO_BIG.code()
                        ? TOO_BIG_DETAIL
                        : status.reasonText() + " (" + status.code() + ")"));
        handshake.onCloseSentByDecoder(status);
    }

    @Override
    public void onInternalError() {
        setReason(DisconnectReason.protocolError("internal error"));
        handshake.sendClose(WsCloseCodes.INTERNAL_ERROR);
    }

    /** The channel closed: record the end, exactly once. */
    @Override
    public void onInactive() {
        acks.clear();
        DisconnectReason r = reason != null ? reason : DisconnectReason.CONNECTION_LOST;
        metrics.connectionClosed(r.kind(), superseded);
        if (slowConsumerCheck != null) {
            slowConsumerCheck.cancel(false);
        }
        if (tokenExpiry != null) {
            tokenExpiry.cancel(false);
        }
        String id = clientId;
        if (id != null && registry.release(this, id, r)) {
            ConnectionLog.debug(log, channel, id, "client disconnected: {}", r.detail());
        }
    }

    /**
     * Called by the registry under the record's lock: sets the flag and queues the close on this connection's
     * event loop. {@code execute} always queues, even when the caller is that very loop (two connections of one
     * client often share it), so no frame is written while the lock is held.
     */
    @Override
    public void superseded() {
        superseded = true;
        metrics.takeover();
        try {
            channel.eventLoop().execute(() -> {
                ConnectionLog.debug(log, channel, clientId, "taken over by a newer connection");
                handshake.sendClose(WsCloseCodes.SUPERSEDED);
            });
        } catch (RejectedExecutionException e) {
            // The loop is shutting down and closes the channel with it.
        }
    }

    @Override
    public boolean isSuperseded() {
        return superseded;
    }

    @Override
    public CompletionStage<CommandResult> deliver(ClientCommand command, Runnable written) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        if (!execute(() -> deliverNow(command, written, result))) {
            result.complete(CommandResult.NOT_CONNECTED);
        }
        return result;
    }

    private void deliverNow(ClientCommand command, Runnable written, CompletableFuture<CommandResult> result) {
        String id = clientId;
        if (id == null || handshake.state() != WsCloseHandshake.State.OPEN || superseded || !channel.isActive()) {
            result.complete(CommandResult.NOT_CONNECTED);
            return;
        }
        if (command == ClientCommand.DISCONNECT) {
            handshake.leave(); // no further commands; the reason is recorded once the command is out
        }
        ByteBuf payload = WsMessageCodec.encodeCommand(ctx.alloc(), command);
        ctx.writeAndFlush(new TextWebSocketFrame(payload)).addListener(f -> {
            if (!f.isSuccess()) {
                result.complete(CommandResult.SEND_FAILED); // the channel is going; it ends as "connection lost"
                return;
            }
            registry.commandDelivered(this, id, command);
            written.run();
            metrics.commandSent(command);
            if (command == ClientCommand.DISCONNECT) {
                setReason(DisconnectReason.SERVER);
                // PROTOCOL.md section 7, row 17: a grace for the client to acknowledge and close by itself.
                ctx.executor()
                        .schedule(
                                () -> handshake.sendClose(
                                        new WebSocketCloseStatus(1000, WsCloseCodes.SERVER_DISCONNECT_REASON)),
                                config.disconnectGrace().toNanos(),
                                TimeUnit.NANOSECONDS);
            }
            result.complete(CommandResult.SENT);
        });
    }

    /**
     * The gateway is cut off from Redis while a peer is healthy: close with 1012 so that the client reconnects
     * elsewhere; its end is recorded as {@link DisconnectReason#ISOLATED}. Any thread.
     */
    @Override
    public void isolated() {
        execute(() -> {
            setReason(DisconnectReason.ISOLATED);
            handshake.sendClose(WsCloseCodes.ISOLATED);
        });
    }

    /** Starts a graceful close because the gateway is stopping. Any thread. */
    public void shutdown() {
        execute(() -> {
            setReason(DisconnectReason.SHUTDOWN);
            handshake.sendClose(WsCloseCodes.GOING_AWAY);
        });
    }

    /** Counts a refused message and logs it (at most one line per reject-log interval). */
    private void rejected(RejectKind kind, String why, ByteBuf content) {
        metrics.rejected(clientId == null ? MessageKind.REGISTRATION : MessageKind.UPDATE, kind);
        RejectLog r = rejectLog;
        if (r == null) {
            r = new RejectLog(log, ticker, config.rejectLogInterval());
            rejectLog = r;
        }
        r.refused(channel, clientId, why, content);
    }

    private void sendError(String message) {
        acks.error(message);
    }

    private void setReason(DisconnectReason r) {
        if (reason == null) {
            reason = r;
        }
    }

    /** Runs {@code task} on the event loop: at once when already there. {@code false} when the loop is gone. */
    private boolean execute(Runnable task) {
        try {
            if (channel.eventLoop().inEventLoop()) {
                task.run();
            } else {
                channel.eventLoop().execute(task);
            }
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }
}
