package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.metrics.GatewayMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LivenessHandlerTest {

    /** Collects the events the liveness stage fires and releases what it reads. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final LivenessHandler liveness = new LivenessHandler(
            Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30), new GatewayMetrics(meters).ws());
    private final Recorder recorder = new Recorder();

    /** Time passes with the event loop running: every check runs when it is due. */
    private static void advance(EmbeddedChannel ch, long seconds) {
        for (long i = 0; i < seconds * 10; i++) {
            ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    /** The gateway stalls (a process pause, a blocked loop) for {@code seconds}: the checks run late, at once. */
    private static void stall(EmbeddedChannel ch, long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    private static void read(EmbeddedChannel ch) {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        ch.pipeline().fireChannelReadComplete();
    }

    @Test
    void closesAnIdleHttpConnectionAfterTheHttpIdleTimeout() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        advance(ch, 59);
        assertThat(ch.isOpen()).isTrue();
        read(ch);
        advance(ch, 59);
        assertThat(ch.isOpen()).as("a read restarts the idle clock").isTrue();
        advance(ch, 2);
        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.events).isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aClosedConnectionLeavesNoCheckScheduled() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        liveness.webSocketOpened();
        assertThat(ch.runScheduledPendingTasks()).as("a check is pending").isNotEqualTo(-1);
        ch.close();
        assertThat(ch.runScheduledPendingTasks()).as("the close cancelled it").isEqualTo(-1);
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void pingsAQuietWebSocketEveryPingIntervalThenTimesOut() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        liveness.webSocketOpened();
        advance(ch, 9);
        assertThat(recorder.events).isEmpty();
        advance(ch, 1);
        assertThat(recorder.events).containsExactly(LivenessHandler.Event.PING_DUE);
        advance(ch, 10);
        assertThat(recorder.events).containsExactly(LivenessHandler.Event.PING_DUE, LivenessHandler.Event.PING_DUE);
        advance(ch, 10);
        assertThat(recorder.events).endsWith(LivenessHandler.Event.TIMED_OUT);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void anyInboundTrafficPostponesTheTimeout() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        liveness.webSocketOpened();
        advance(ch, 25);
        read(ch); // e.g. a pong
        advance(ch, 25);
        assertThat(recorder.events).doesNotContain(LivenessHandler.Event.TIMED_OUT);
        assertThat(meters.get("gateway.ws.liveness.timeouts").counter().count()).isZero();
        advance(ch, 5);
        assertThat(recorder.events).endsWith(LivenessHandler.Event.TIMED_OUT);
        // detection latency: from the last read (the pong) to the timeout, 30 s on the frozen clock
        Timer detection = meters.get("gateway.ws.liveness.detection").timer();
        assertThat(detection.count()).isEqualTo(1);
        assertThat(detection.totalTime(TimeUnit.SECONDS)).isEqualTo(30.0);
        assertThat(meters.get("gateway.ws.liveness.timeouts").counter().count()).isEqualTo(1.0);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /**
     * While the gateway does not read a connection (auto-read off: the peer leaves its replies unread), the peer's
     * silence is the gateway's doing: no ping, no timeout; the slow-consumer timeout decides. Once reading resumes,
     * the liveness timeout counts from then.
     */
    @Test
    void aConnectionTheGatewayStoppedReadingIsNotTimedOut() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        liveness.webSocketOpened();
        ch.config().setAutoRead(false);
        advance(ch, 45);
        assertThat(recorder.events).isEmpty();
        // the peer reads its replies again: the WebSocket stage resumes reading as the channel turns writable
        ch.config().setAutoRead(true);
        ch.pipeline().fireChannelWritabilityChanged();
        advance(ch, 29);
        assertThat(recorder.events).doesNotContain(LivenessHandler.Event.TIMED_OUT);
        advance(ch, 1);
        assertThat(recorder.events).endsWith(LivenessHandler.Event.TIMED_OUT);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /**
     * A gateway paused for longer than the liveness timeout (SIGSTOP, a long GC) read nothing meanwhile: the peer's
     * pongs wait unread in the socket. The peer is pinged at once and gets the whole timeout from then; a peer that
     * stays silent is timed out one timeout after the stall.
     */
    @Test
    void theGatewaysOwnStallIsNotThePeersSilence() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        liveness.webSocketOpened();
        advance(ch, 3);
        stall(ch, 40);
        assertThat(recorder.events).containsExactly(LivenessHandler.Event.PING_DUE);
        read(ch); // the pong that waited in the socket
        advance(ch, 29);
        assertThat(recorder.events).doesNotContain(LivenessHandler.Event.TIMED_OUT);
        stall(ch, 1); // a check late by less than a stall is an ordinary one: 30 s after the pong, timed out
        assertThat(recorder.events).endsWith(LivenessHandler.Event.TIMED_OUT);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aBusyConnectionIsNeverPinged() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(liveness, recorder);
        liveness.webSocketOpened();
        for (int i = 0; i < 20; i++) {
            advance(ch, 5);
            read(ch);
        }
        assertThat(recorder.events).isEmpty();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
