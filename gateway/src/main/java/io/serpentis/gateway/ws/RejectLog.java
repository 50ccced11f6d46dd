package io.serpentis.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Ticker;
import io.serpentis.gateway.logging.ConnectionLog;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One connection's log of refused messages: at most one line per interval, with how many were refused since the
 * last line, each showing only the first bytes of the payload (PROTOCOL.md section 7, row 3: the original logged
 * every bad payload in full). Threading: the channel's event loop only.
 */
final class RejectLog {
    private final Logger log;
    private final Ticker ticker;
    private final long intervalNanos;
    private long lastNanos;
    private int notLogged;

    RejectLog(Logger log, Ticker ticker, Duration interval) {
        this.log = log;
        this.ticker = ticker;
        this.intervalNanos = interval.toNanos();
        this.lastNanos = ticker.nanoTime() - intervalNanos;
    }

    /** Logs that a message from {@code channel} was refused for {@code why}, unless a line went out too recently. */
    void refused(Channel channel, @Nullable String clientId, String why, ByteBuf content) {
        long now = ticker.nanoTime();
        if (now - lastNanos < intervalNanos) {
            notLogged++;
            return;
        }
        lastNanos = now;
        int suppressed = notLogged;
        notLogged = 0;
        if (log.isInfoEnabled()) {
            ConnectionLog.info(
                    log,
                    channel,
                    clientId,
                    "refused a message ({}): {}{}",
                    why,
                    preview(content),
                    suppressed > 0 ? " (" + suppressed + " more refused since last report)" : "");
        }
    }

    /** The first bytes of a payload, printable ASCII only, for logs. */
    static String preview(ByteBuf content) {
        int n = Math.min(content.readableBytes(), 64);
        StringBuilder b = new StringBuilder(n + 24).append('\'');
        for (int i = 0; i < n; i++) {
            int c = content.getByte(content.readerIndex() + i) & 0xff;
            b.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        b.append('\'');
        if (content.readableBytes() > n) {
            b.append("... (").append(content.readableBytes()).append(" bytes)");
        }
        return b.toString();
    }
}
