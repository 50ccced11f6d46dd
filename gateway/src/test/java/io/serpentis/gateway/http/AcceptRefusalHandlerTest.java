package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class AcceptRefusalHandlerTest {
    private final HttpResponses responses =
            new HttpResponses(JsonMapper.builder().build());
    private final byte[] answer = AcceptRefusalHandler.encode(
            responses,
            HttpResponseStatus.TOO_MANY_REQUESTS,
            "Too many connections from this address (--max-connections-per-address)",
            1);

    @Test
    void thePreEncodedAnswerIsTheResponseAnUpgradeRefusalGets() {
        // Decoded by Netty's own response decoder: a complete, well-formed HTTP/1.1 response.
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(4096));
        client.writeInbound(Unpooled.wrappedBuffer(answer));
        FullHttpResponse decoded = client.readInbound();
        FullHttpResponse expected = new AccessPolicy.Denial(
                        HttpResponseStatus.TOO_MANY_REQUESTS,
                        "Too many connections from this address (--max-connections-per-address)",
                        null,
                        1)
                .toResponse(responses, client.alloc());
        try {
            assertThat(decoded.status()).isEqualTo(HttpResponseStatus.TOO_MANY_REQUESTS);
            assertThat(decoded.headers().entries())
                    .map(Object::toString)
                    .containsExactlyElementsOf(expected.headers().entries().stream()
                            .map(Object::toString)
                            .toList());
            assertThat(decoded.headers().get("Retry-After")).isEqualTo("1");
            assertThat(decoded.headers().get("Connection")).isEqualTo("close");
            assertThat(decoded.headers().get("Content-Type")).isEqualTo("application/json");
            assertThat(decoded.content().toString(StandardCharsets.UTF_8))
                    .isEqualTo(
                            "{\"detail\":\"Too many connections from this address (--max-connections-per-address)\"}");
        } finally {
            decoded.release();
            expected.release();
        }
        assertFalse(client.finish());
    }

    @Test
    void answersAtOnceWithoutReadingTheRequestAndCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new AcceptRefusalHandler(answer)); // channelActive on register
        ByteBuf written = ch.readOutbound();
        try {
            assertThat(written.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 429 Too Many Requests\r\n");
            assertThat(written.readableBytes()).isEqualTo(answer.length);
        } finally {
            written.release();
        }
        // Not a socket, so there is no half-close: the channel is closed once the answer is written.
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finish());
    }

    @Test
    void readsAndDropsWhatTheRefusedPeerSendsAndAResetIsNoError() {
        EmbeddedChannel ch = answerNotYetRead();
        // Released unread (paranoid leak detection would catch a leak), nothing passed on.
        assertThat(ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII)))
                .isFalse();
        assertThat(ch.isOpen()).isTrue();
        ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        ch.checkException(); // handled at DEBUG: nothing reaches the tail
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finish());
    }

    @Test
    void closesAtTheLingerTimeAtTheLatest() {
        EmbeddedChannel ch = answerNotYetRead();
        ch.advanceTimeBy(AcceptRefusalHandler.LINGER_MILLIS - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finish());
    }

    /**
     * A refused socket whose answer is still on its way (an outbound stage holds it back, as the socket does until
     * the peer has read it): the channel stays open, draining, until the peer closes or the linger time is up.
     */
    private EmbeddedChannel answerNotYetRead() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg); // and never completes the promise
            }
        });
        ch.pipeline().addLast(new AcceptRefusalHandler(answer));
        ch.pipeline().fireChannelActive();
        return ch;
    }
}
