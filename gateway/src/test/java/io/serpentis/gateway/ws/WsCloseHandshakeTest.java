package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.ws.WsCloseHandshake.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The closing handshake alone, on an EmbeddedChannel with a frozen clock; frames are read as written. */
class WsCloseHandshakeTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final List<String> started = new ArrayList<>();
    private final WsCloseHandshake handshake;

    WsCloseHandshakeTest() {
        ch.freezeTime();
        ChannelHandlerContext ctx = ch.pipeline().firstContext();
        handshake = new WsCloseHandshake(
                ctx, Duration.ofSeconds(5), (initiator, code) -> started.add(initiator + " " + code));
    }

    private int nextCloseCode() {
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close).as("a close frame").isNotNull();
        try {
            return close.statusCode();
        } finally {
            close.release();
        }
    }

    @Test
    void sendsOneCloseFrameAndClosesAPeerThatDoesNotAnswerWithinTheTimeout() {
        handshake.sendClose(WsCloseCodes.GOING_AWAY);
        handshake.sendClose(WsCloseCodes.INTERNAL_ERROR);

        assertThat(nextCloseCode()).isEqualTo(1001);
        assertThat(ch.<Object>readOutbound()).isNull();
        assertThat(handshake.state()).isEqualTo(State.CLOSING);
        ch.advanceTimeBy(4, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(started).containsExactly("GATEWAY 1001");
        assertFalse(ch.finish());
    }

    @Test
    void answersAPeersCloseByEchoingItsCodeThenCloses() {
        CloseWebSocketFrame peers = new CloseWebSocketFrame(4000, "bye");
        handshake.onCloseFrame(peers);
        peers.release(); // the caller's, as the endpoint stage releases every frame it reads

        // RFC 6455 section 5.5.1: the endpoint answers with a close frame carrying the status code it received.
        assertThat(nextCloseCode()).isEqualTo(4000);
        assertThat(ch.isOpen()).isFalse();
        assertThat(started).containsExactly("CLIENT 4000");
        assertFalse(ch.finish());
    }

    @Test
    void thePeersAnswerToOurCloseEndsTheHandshakeWithoutASecondFrame() {
        handshake.sendClose(WsCloseCodes.NORMAL);
        assertThat(nextCloseCode()).isEqualTo(1000);

        CloseWebSocketFrame answer = new CloseWebSocketFrame(1000, "");
        handshake.onCloseFrame(answer);
        answer.release();

        // RFC 6455 section 7.1.1: the server closes the TCP connection first.
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.<Object>readOutbound()).isNull();
        assertThat(started).containsExactly("GATEWAY 1000");
        assertFalse(ch.finish());
    }

    @Test
    void aSilentPeerIsClosedOnceTheFrameIsOut() {
        handshake.closeSilentPeer(WsCloseCodes.LIVENESS_TIMEOUT);

        assertThat(nextCloseCode()).isEqualTo(4002);
        assertThat(ch.isOpen()).isFalse();
        assertThat(started).containsExactly("GATEWAY 4002");
        assertFalse(ch.finish());
    }

    /**
     * A silent peer whose socket takes nothing more (a frozen process that stopped reading) is closed at once, not
     * after the close timeout: its end is recorded within the liveness timeout. The held frame is dropped.
     */
    @Test
    void aSilentPeerWhoseSocketTakesNothingIsClosedAtOnce() {
        HeldWrites held = new HeldWrites();
        EmbeddedChannel stuck = new EmbeddedChannel(held, new ChannelInboundHandlerAdapter());
        stuck.freezeTime();
        WsCloseHandshake silent = new WsCloseHandshake(
                stuck.pipeline().lastContext(),
                Duration.ofSeconds(5),
                (initiator, code) -> started.add(initiator + " " + code));

        silent.closeSilentPeer(WsCloseCodes.LIVENESS_TIMEOUT);

        assertThat(held.writes).as("the close frame was offered to the socket").isEqualTo(1);
        assertThat(stuck.isOpen())
                .as("closed without waiting for the close timeout")
                .isFalse();
        assertThat(started).containsExactly("GATEWAY 4002");
        assertFalse(stuck.finish());
    }

    /** Holds every write as a socket that takes nothing more would; releases them when the channel closes. */
    static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> pending = new ArrayList<>();
        int writes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes++;
            pending.add(msg);
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            pending.forEach(ReferenceCountUtil::release);
            pending.clear();
            ctx.close(promise);
        }
    }

    @Test
    void theStateOnlyMovesForwardAndNothingLeavesClosed() {
        handshake.leave();
        assertThat(handshake.state()).isEqualTo(State.LEAVING);
        assertThat(handshake.isOpen()).isTrue();

        handshake.onCloseSentByDecoder(new WebSocketCloseStatus(1002, "Protocol error"));
        handshake.leave();
        handshake.ping();
        assertThat(handshake.state()).isEqualTo(State.CLOSING);
        assertThat(ch.<Object>readOutbound()).as("no ping while closing").isNull();

        handshake.onInactive();
        handshake.onCloseSentByDecoder(WsCloseCodes.TOO_BIG);
        handshake.abort(WsCloseCodes.SLOW_CONSUMER);
        assertThat(handshake.state()).isEqualTo(State.CLOSED);
        assertThat(started).containsExactly("GATEWAY 1002");
        assertThat(ch.finishAndReleaseAll()).isTrue(); // the aborted close frame, written best effort
    }

    @Test
    void startsNoHandshakeOnAClosedChannel() {
        ch.close();
        handshake.sendClose(WsCloseCodes.GOING_AWAY);
        assertThat(started).isEmpty();
        assertThat(handshake.state()).isEqualTo(State.OPEN);
        assertFalse(ch.finish());
    }

    @Test
    void abortingWritesTheFrameBestEffortAndClosesAtOnceWithoutCountingAHandshake() {
        handshake.abort(WsCloseCodes.SLOW_CONSUMER);

        assertThat(ch.isOpen()).isFalse();
        assertThat(nextCloseCode()).isEqualTo(1008);
        assertThat(started).isEmpty();
        assertThat(handshake.state()).isEqualTo(State.CLOSING);
        assertFalse(ch.finish());
    }
}
