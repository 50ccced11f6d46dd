package io.serpentis.gateway.pipeline;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.ConnectionMetrics.AcceptError;
import io.serpentis.gateway.metrics.GatewayMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening sockets' stage ahead of Netty's acceptor ({@code ServerBootstrap.handler}). A failed accept (out of
 * file descriptors, out of kernel memory) is counted in {@code gateway.accept.errors}, logged as one WARN line
 * without a stack trace at most every {@value #WARN_INTERVAL_SECONDS} s (the repeats at DEBUG), and accepting
 * pauses for {@value #PAUSE_SECONDS} s, as Netty's acceptor would do: the event stops here, so the pause is taken
 * here. Left to Netty, every failed accept reaches the pipeline's tail and logs a stack trace, once a second for as
 * long as the condition lasts. Sharable: its state is the thread-safe rate limit of its log.
 */
@ChannelHandler.Sharable
public final class AcceptErrorHandler extends ChannelInboundHandlerAdapter {
    /** Seconds between two WARN lines about failed accepts. */
    public static final int WARN_INTERVAL_SECONDS = 10;
    /** Seconds accepting pauses after a failed accept. */
    public static final int PAUSE_SECONDS = 1;

    private static final Logger log = LoggerFactory.getLogger(AcceptErrorHandler.class);

    private final GatewayMetrics metrics;
    private final IntSupplier openSockets;
    private final RateLimitedLog warnings;

    /**
     * @param metrics where failed accepts are counted
     * @param openSockets the sockets open now, for the log line
     */
    public AcceptErrorHandler(GatewayMetrics metrics, IntSupplier openSockets) {
        this(metrics, openSockets, System::nanoTime);
    }

    /** As above, with the log's rate limit on {@code nanoClock} (tests pass their own). */
    AcceptErrorHandler(GatewayMetrics metrics, IntSupplier openSockets, LongSupplier nanoClock) {
        this.metrics = metrics;
        this.openSockets = openSockets;
        this.warnings = new RateLimitedLog(log, Duration.ofSeconds(WARN_INTERVAL_SECONDS), nanoClock);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        AcceptError reason = classify(cause);
        metrics.connections().acceptError(reason);
        switch (reason) {
            case FILE_LIMIT ->
                warnings.warn(
                        "Cannot accept connections on {}: {} ({} sockets open); accepting "
                                + "pauses {} s at a time while it lasts. Raise the file limit "
                                + "(ulimit -n, systemd LimitNOFILE) or lower --max-connections "
                                + "and the per-address limits",
                        ctx.channel().localAddress(),
                        cause.getMessage(),
                        openSockets.getAsInt(),
                        PAUSE_SECONDS);
            case MEMORY ->
                warnings.warn(
                        "Cannot accept connections on {}: {} ({} sockets open): the kernel is out "
                                + "of socket memory; accepting pauses {} s at a time while it lasts",
                        ctx.channel().localAddress(),
                        cause.getMessage(),
                        openSockets.getAsInt(),
                        PAUSE_SECONDS);
            case OTHER ->
                warnings.warn(
                        "Accepting a connection on {} failed ({} sockets open); accepting pauses {} s",
                        ctx.channel().localAddress(),
                        openSockets.getAsInt(),
                        PAUSE_SECONDS,
                        cause);
        }
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead()) {
            // Accepting again at once would fail again at once: a busy loop on the accept thread.
            config.setAutoRead(false);
            ctx.executor()
                    .schedule(
                            () -> {
                                config.setAutoRead(true);
                            },
                            PAUSE_SECONDS,
                            TimeUnit.SECONDS);
        }
    }

    /** The {@code reason} of a failed accept, from the OS error text (the same for the NIO and native transports). */
    static AcceptError classify(Throwable cause) {
        String m = cause.getMessage();
        if (m == null) {
            return AcceptError.OTHER;
        }
        if (m.contains("Too many open files")) { // EMFILE, and ENFILE ("... in system")
            return AcceptError.FILE_LIMIT;
        }
        if (m.contains("No buffer space available") || m.contains("Cannot allocate memory")) { // ENOBUFS, ENOMEM
            return AcceptError.MEMORY;
        }
        return AcceptError.OTHER;
    }
}
