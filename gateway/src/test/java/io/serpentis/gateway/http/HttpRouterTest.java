package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.serpentis.gateway.config.SecurityConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The route table: declarations, matching, and running offloaded routes on the blocking-task executor. */
class HttpRouterTest {
    private final HttpResponses responses =
            new HttpResponses(JsonMapper.builder().build());
    private final ArrayDeque<Runnable> blockingTasks = new ArrayDeque<>();
    /** What the route saw of its request, and when it ran. */
    private final List<String> seen = new ArrayList<>();

    private final HttpRoute echo = ex -> {
        seen.add(ex.request().content().toString(StandardCharsets.UTF_8));
        return CompletableFuture.completedFuture(responses.message(ex.alloc(), "echo"));
    };

    private HttpRouter.Builder router(Executor executor) {
        return HttpRouter.builder()
                .responses(responses)
                .access(new AccessPolicy(SecurityConfig.defaults()))
                .blockingTaskExecutor(executor);
    }

    private static FullHttpRequest post(String uri, String body) {
        return new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, uri, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    }

    private static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void runsAnOffloadedRouteOnTheBlockingTaskExecutorWithItsRequestStillReadable() {
        HttpRouter router = router(blockingTasks::add)
                .route("/work")
                .post()
                .offloaded()
                .to(echo)
                .build();
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRoutingHandler(router, "/ws"));
        FullHttpRequest req = post("/work", "payload");
        ch.writeInbound(req);
        assertThat(seen).as("nothing runs on the event loop").isEmpty();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(blockingTasks).hasSize(1);
        assertThat(req.refCnt()).as("held for the offloaded route").isEqualTo(1);

        blockingTasks.poll().run();
        ch.runPendingTasks();
        assertThat(seen).containsExactly("payload");
        assertThat(req.refCnt()).as("released once the route has run").isZero();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(body(r)).isEqualTo("{\"message\":\"echo\"}");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void runsARouteNotDeclaredOffloadedOnTheEventLoop() {
        HttpRouter router =
                router(blockingTasks::add).route("/work").post().to(echo).build();
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRoutingHandler(router, "/ws"));
        ch.writeInbound(post("/work", "inline"));
        assertThat(blockingTasks).isEmpty();
        assertThat(seen).containsExactly("inline");
        assertThat(body(ch.readOutbound())).isEqualTo("{\"message\":\"echo\"}");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answers503AtOnceWhenTheBlockingTaskExecutorIsFull() {
        Executor full = task -> {
            throw new RejectedExecutionException("queue full");
        };
        HttpRouter router =
                router(full).route("/work").post().offloaded().to(echo).build();
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRoutingHandler(router, "/ws"));
        FullHttpRequest req = post("/work", "payload");
        ch.writeInbound(req);
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
        assertThat(body(r)).isEqualTo("{\"detail\":\"Too many requests in progress; retry shortly\"}");
        assertThat(seen).isEmpty();
        assertThat(req.refCnt()).isZero();
        assertThat(ch.isOpen()).as("a busy answer keeps the connection").isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theTableDeclaresMethodsAccessAndOffloadingPerRoute() {
        HttpRouter router = router(Runnable::run)
                .route("/statuses")
                .get()
                .admin()
                .offloaded()
                .to(echo)
                .route("/metrics")
                .get()
                .guard(HttpRouter.Guard.TOKEN_WHEN_CONFIGURED)
                .offloaded()
                .to(echo)
                .route("/clients/{client_id}/pause")
                .post()
                .admin()
                .to(echo)
                .route("/health")
                .get()
                .to(echo)
                .build();
        assertThat(router.endpoints())
                .extracting(HttpRouter.Endpoint::template, HttpRouter.Endpoint::guard, HttpRouter.Endpoint::offloaded)
                .containsExactly(
                        tuple("/statuses", HttpRouter.Guard.ADMIN, true),
                        tuple("/metrics", HttpRouter.Guard.TOKEN_WHEN_CONFIGURED, true),
                        tuple("/clients/{client_id}/pause", HttpRouter.Guard.ADMIN, false),
                        tuple("/health", HttpRouter.Guard.PUBLIC, false));
        assertThat(router.match("/clients/a%2Fb/pause")).satisfies(m -> {
            assertThat(m.endpoint().admin()).isTrue();
            assertThat(m.params()).containsExactly("a/b");
        });
        assertThat(router.match("/health").endpoint().allowHeader()).isEqualTo("GET, HEAD");
        assertThat(router.match("/clients/x/resume")).isNull();
    }

    @Test
    void refusesATableThatCannotServeWhatItDeclares() {
        HttpRouter.Builder noExecutor = HttpRouter.builder()
                .responses(responses)
                .access(new AccessPolicy(SecurityConfig.defaults()))
                .route("/statuses")
                .get()
                .offloaded()
                .to(echo);
        assertThatThrownBy(noExecutor::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/statuses");
        HttpRouter.Builder twice = router(Runnable::run).route("/health").get().to(echo);
        assertThatThrownBy(() -> twice.route("/health").get().to(echo))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("declared twice");
        assertThatThrownBy(() -> twice.route("/livez").to(echo))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no method");
    }
}
