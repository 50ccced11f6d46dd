package io.serpentis.gateway.http;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.serpentis.gateway.AbstractGatewayBenchmark;
import io.serpentis.gateway.NoopConnection;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.ClientFilter;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import tools.jackson.databind.json.JsonMapper;

/**
 * How long does a query on status attributes take over a whole fleet: is {@code GET /api/v1/clients} with
 * {@code where} expressions, and {@code GET /api/v1/fleet/summary}, within 50 ms at p99 on 100,000 clients (issue 15
 * point 3)? One operation is one request handled by the production route, as the route table's executor runs it:
 * parse the query, one pass over a real {@link LocalClientRegistry} (a snapshot of every record the cheap filters let
 * through, every expression tested against it), then the JSON answer encoded into a pooled buffer (released here).
 *
 * <p>The fleet: {@code clients} clients with the reference client's status ({@code client_state} running, paused or
 * error, {@code cpu_usage} and {@code memory_usage} with one decimal, a host name and a version), one in ten
 * disconnected. {@code list} is the typical query, one numeric and one text expression
 * ({@code cpu_usage>90}, {@code client_state==error}, about 1% of the fleet) with the default page of 100;
 * {@code listWithoutWhere} is the same page without expressions (no snapshots while scanning: the baseline);
 * {@code summary} counts the fleet per {@code client_state}; {@code filterOnly} is the scan and the tests alone,
 * without HTTP or JSON.
 *
 * <p>Sample time, so JMH reports percentiles: good is a p0.99 well under 50 ms for {@code list} and
 * {@code summary} at 100,000 clients, the cost of a query being mostly one snapshot per client.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ClientQueryBenchmark -f 1 -wi 3 -i 5 -prof gc}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ClientQueryBenchmark extends AbstractGatewayBenchmark {
    private static final String[] STATES = {
        "running", "running", "running", "running", "running", "running", "running", "running", "paused", "error"
    };

    /** Clients the registry holds. */
    @Param({"100000"})
    public int clients;

    private LocalClientRegistry registry;
    private ClientListRoute listRoute;
    private FleetSummaryRoute summaryRoute;
    private HttpExchange listQuery;
    private HttpExchange listWithoutWhereQuery;
    private HttpExchange summaryQuery;
    private ClientFilter filter;

    @Setup
    public void setUp() {
        registry = new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "gw-1:8000");
        Random random = new Random(15);
        for (int i = 0; i < clients; i++) {
            String id = String.format(Locale.ROOT, "worker-%06d", i);
            NoopConnection conn = new NoopConnection(id);
            registry.apply(
                    conn,
                    new StatusUpdate(
                            id,
                            new String[] {"client_state", "cpu_usage", "memory_usage", "hostname", "version"},
                            new String[] {
                                STATES[random.nextInt(STATES.length)],
                                String.format(Locale.ROOT, "%.1f", random.nextInt(1000) / 10.0),
                                String.format(Locale.ROOT, "%.1f", random.nextInt(1000) / 10.0),
                                "host-" + (i % 500) + ".example",
                                "1." + (i % 7) + ".0"
                            }));
            if (i % 10 == 0) {
                registry.release(conn, id, DisconnectReason.CLIENT);
            }
        }
        HttpResponses responses = new HttpResponses(JsonMapper.builder().build());
        listRoute = new ClientListRoute(registry, responses);
        summaryRoute = new FleetSummaryRoute(registry, responses);
        listQuery = exchange("/api/v1/clients?where=cpu_usage%3E90&where=client_state%3D%3Derror");
        listWithoutWhereQuery = exchange("/api/v1/clients");
        summaryQuery = exchange("/api/v1/fleet/summary?group_by=client_state");
        filter = ClientFilter.parse(List.of("cpu_usage>90", "client_state==error"));
    }

    private static HttpExchange exchange(String uri) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        return new HttpExchange(
                req,
                decoder.path(),
                List.of(),
                decoder.parameters(),
                PooledByteBufAllocator.DEFAULT,
                ImmediateEventExecutor.INSTANCE);
    }

    @TearDown
    public void tearDown() {
        listQuery.request().release();
        listWithoutWhereQuery.request().release();
        summaryQuery.request().release();
    }

    /** Handles one request and returns the answer's size (the buffer is released). */
    private static int answer(HttpRoute route, HttpExchange exchange) {
        FullHttpResponse r = route.handle(exchange).toCompletableFuture().join();
        try {
            if (r.status().code() != 200) {
                throw new IllegalStateException("answered " + r.status());
            }
            return r.content().readableBytes();
        } finally {
            r.release();
        }
    }

    @Benchmark
    public int list() {
        return answer(listRoute, listQuery);
    }

    @Benchmark
    public int listWithoutWhere() {
        return answer(listRoute, listWithoutWhereQuery);
    }

    @Benchmark
    public int summary() {
        return answer(summaryRoute, summaryQuery);
    }

    @Benchmark
    public int filterOnly() {
        AtomicInteger matched = new AtomicInteger();
        registry.forEach(r -> {
            if (filter.test(r.snapshot())) {
                matched.incrementAndGet();
            }
        });
        return matched.get();
    }
}
