package io.serpentis.gateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Near the head of every pipeline (behind {@code connectionMetrics} where there is one): watches inbound traffic
 * (any bytes count, pongs included). Before a WebSocket upgrade it closes HTTP connections idle for the HTTP idle
 * timeout. After {@link #webSocketOpened()} it fires {@link Event#PING_DUE} when the connection has been quiet for
 * the ping interval and {@link Event#TIMED_OUT} once nothing arrived for the liveness timeout (recording how long
 * after the last traffic that was); the WebSocket stage acts on them. While the gateway itself does not read the
 * connection (auto-read off: the peer leaves its replies unread, and the slow-consumer timeout is running), its
 * silence is not the peer's: the clock is held. Nor is a silence the gateway slept through: when a check runs
 * {@link #STALL_NANOS} or more after it was due (the process was stopped, {@code SIGSTOP} or a long GC pause, or
 * the event loop blocked), nothing could be read or pinged meanwhile, so the peer is pinged now and gets the whole
 * liveness timeout to answer; a client is never timed out for the gateway's own pause. The handler is its own
 * scheduled check ({@link #run}), so a pending check costs the scheduler's task and no lambda. Not sharable.
 */
public final class LivenessHandler extends ChannelInboundHandlerAdapter implements Runnable {

    /** User events fired towards the WebSocket stage. */
    public enum Event {
        /** Quiet for the ping interval: send a ping. */
        PING_DUE,
        /** Nothing received for the liveness timeout: close the connection. */
        TIMED_OUT
    }

    /** A check this late (or later) means the gateway itself stalled: the silence before it is not the peer's. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long httpIdleNanos;
    private final long pingNanos;
    private final long timeoutNanos;
    private final WsMetricsRecorder metrics;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ScheduledFuture<?> check;
    private Ticker ticker = Ticker.systemTicker();
    private boolean webSocket;
    private boolean reading;
    private long lastReadNanos;
    private long lastPingNanos;
    private long dueNanos;

    public LivenessHandler(
            Duration httpIdle, Duration pingInterval, Duration livenessTimeout, WsMetricsRecorder metrics) {
        this.metrics = metrics;
        this.httpIdleNanos = httpIdle.toNanos();
        this.pingNanos = pingInterval.toNanos();
        this.timeoutNanos = livenessTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        EventExecutor executor = ctx.executor();
        if (executor instanceof AbstractScheduledEventExecutor scheduled) {
            ticker = scheduled.ticker();
        }
        lastReadNanos = ticker.nanoTime();
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            schedule(httpIdleNanos);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (check == null) {
            lastReadNanos = ticker.nanoTime();
            schedule(httpIdleNanos);
        }
        super.channelActive(ctx);
    }

    /**
     * Cancels the pending check. Netty removes every handler when a closed channel deregisters, in the same event
     * loop task that fires {@code channelInactive}, so this covers the connection's end as well as a removal, and a
     * check can never run in between ({@link #run} also ignores an inactive channel).
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Stamp once per read burst rather than per message (IdleStateHandler does the same).
        if (reading) {
            lastReadNanos = ticker.nanoTime();
            reading = false;
        }
        ctx.fireChannelReadComplete();
    }

    /**
     * The WebSocket stage reads a connection only while it is writable (a peer that leaves its replies unread is
     * not read): when it becomes writable again, reading resumes and the liveness timeout counts from now.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (webSocket && ctx.channel().isWritable()) {
            lastReadNanos = ticker.nanoTime();
            lastPingNanos = lastReadNanos;
        }
        super.channelWritabilityChanged(ctx);
    }

    /** Switches from the HTTP idle timeout to WebSocket pings and the liveness timeout. */
    public void webSocketOpened() {
        webSocket = true;
        lastReadNanos = ticker.nanoTime();
        lastPingNanos = lastReadNanos;
        cancel();
        schedule(Math.min(pingNanos, timeoutNanos));
    }

    /** The scheduled check; runs on the channel's event loop only (the scheduler calls it there). */
    @Override
    public void run() {
        check = null;
        ChannelHandlerContext c = ctx;
        if (c == null || !c.channel().isActive()) {
            return;
        }
        long now = ticker.nanoTime();
        if (webSocket && now - dueNanos >= STALL_NANOS) {
            // The gateway slept through the deadline: whatever the peer sent meanwhile is still unread, and no
            // ping went out. Ping now and count the liveness timeout from here.
            lastReadNanos = now;
            lastPingNanos = now;
            c.fireUserEventTriggered(Event.PING_DUE);
            schedule(Math.min(pingNanos, timeoutNanos));
            return;
        }
        long idle = reading ? 0 : now - lastReadNanos;
        if (!webSocket) {
            if (idle >= httpIdleNanos) {
                c.close();
            } else {
                schedule(httpIdleNanos - idle);
            }
            return;
        }
        if (!c.channel().config().isAutoRead()) {
            // The gateway stopped reading this peer (it leaves its replies unread), so the silence is ours, not the
            // peer's: the slow-consumer timeout decides about it. Neither ping nor time out until reading resumes.
            lastReadNanos = now;
            lastPingNanos = now;
            schedule(Math.min(pingNanos, timeoutNanos));
            return;
        }
        if (idle >= timeoutNanos) {
            metrics.livenessTimeout(idle);
            c.fireUserEventTriggered(Event.TIMED_OUT);
            return;
        }
        long sincePingOrRead = now - Math.max(reading ? now : lastReadNanos, lastPingNanos);
        if (sincePingOrRead >= pingNanos) {
            lastPingNanos = now;
            sincePingOrRead = 0;
            c.fireUserEventTriggered(Event.PING_DUE);
        }
        schedule(Math.max(1, Math.min(timeoutNanos - idle, pingNanos - sincePingOrRead)));
    }

    private void schedule(long delayNanos) {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            dueNanos = ticker.nanoTime() + delayNanos;
            check = c.executor().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
