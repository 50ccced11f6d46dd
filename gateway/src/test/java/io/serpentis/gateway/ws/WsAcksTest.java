package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.registry.StatusUpdate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A connection's acks: at once by default; with durable acks held until the store holds their version, in order. */
class WsAcksTest {
    private final WsMessageCodec codec = new WsMessageCodec(
            LimitsConfig.defaults(), JsonMapper.builder().build().tokenStreamFactory());
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final ChannelHandlerContext ctx = channel.pipeline().firstContext();

    private static StatusUpdate update(String n) {
        return new StatusUpdate("c", new String[] {"n"}, new String[] {n});
    }

    private List<String> written() {
        List<String> out = new ArrayList<>();
        TextWebSocketFrame f;
        while ((f = channel.readOutbound()) != null) {
            out.add(f.text());
            f.release();
        }
        return out;
    }

    @Test
    void byDefaultAnAckIsWrittenAtOnce() {
        WsAcks acks = new WsAcks(ctx, codec, () -> "connected", false);
        assertThat(acks.accepted(update("1"), true, 10)).isFalse();
        channel.flush();
        assertThat(written()).singleElement().asString().contains("message_processed");
        assertFalse(channel.finish());
    }

    @Test
    void durableAcksWaitForTheirVersionAndLeaveInOrder() {
        WsAcks acks = new WsAcks(ctx, codec, () -> "connected", true);
        acks.accepted(update("1"), true, 10);
        acks.accepted(update("2"), false, 11);
        acks.accepted(update("3"), false, 12);
        channel.flush();
        assertThat(written()).as("nothing before the store holds it").isEmpty();

        assertThat(acks.release(9)).isFalse();
        assertThat(acks.release(11)).isTrue();
        assertThat(written()).hasSize(2);
        assertThat(acks.size()).isEqualTo(1);
        acks.release(100);
        assertThat(written()).hasSize(1);
        assertThat(acks.size()).isZero();
        assertFalse(channel.finish());
    }

    @Test
    void anErrorWaitsBehindTheAcksOfEarlierMessagesSoThatRepliesKeepTheirOrder() {
        WsAcks durable = new WsAcks(ctx, codec, () -> "connected", true);
        durable.error("first: nothing waits");
        channel.flush();
        assertThat(written()).singleElement().asString().contains("first: nothing waits");
        durable.accepted(update("1"), false, 10);
        durable.error("second: after the ack");
        channel.flush();
        assertThat(written()).isEmpty();
        durable.release(10);
        List<String> out = written();
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).contains("message_processed");
        assertThat(out.get(1)).contains("second: after the ack");
        assertFalse(channel.finish());
    }

    @Test
    void atMostMaxPendingWaitBeforeTheConnectionStopsBeingReadAndAClosedOneDropsThem() {
        WsAcks acks = new WsAcks(ctx, codec, () -> "connected", true);
        for (int i = 1; i < WsAcks.MAX_PENDING; i++) {
            assertThat(acks.accepted(update(Integer.toString(i)), false, i)).isFalse();
        }
        assertThat(acks.accepted(update("last"), false, WsAcks.MAX_PENDING))
                .as("full: stop reading")
                .isTrue();
        acks.release(1);
        assertThat(acks.isFull()).isFalse();
        acks.clear();
        assertThat(acks.release(Long.MAX_VALUE)).isFalse();
        assertThat(written()).hasSize(1);
        assertFalse(channel.finish());
    }
}
