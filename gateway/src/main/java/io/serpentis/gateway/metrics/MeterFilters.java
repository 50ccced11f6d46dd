package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * The meter filters of the gateway's registry, configured once before the first meter is registered:
 *
 * <ul>
 *   <li>tag-cardinality guards: at most a few values per tag of the gateway's own meters and of Lettuce's, and
 *       never a tag that names a client (a meter over a limit becomes a no-op);
 *   <li>adjustments that keep the exposition clean under {@code promtool check metrics}: Micrometer's
 *       {@code system.cpu.count} is exported as {@code system.cpu.available} (a gauge must not end in
 *       {@code _count}), {@code process.cpu.time} (in {@code ns}, an abbreviated unit) is left out
 *       ({@code process.cpu.usage} remains), and Netty's meters, registered without help text, get a description.
 * </ul>
 */
public final class MeterFilters {
    private MeterFilters() {}

    /** Adds every filter to {@code registry}; call once, before any meter is registered on it. */
    public static void configure(MeterRegistry registry) {
        guard(registry);
        conventions(registry);
    }

    /**
     * Safety nets against tag explosions, whatever a future change does: at most a few values per tag of the
     * gateway's own meters and of Lettuce's, and never a tag that names a client. Meters beyond a limit are not
     * registered (a no-op meter is returned instead).
     */
    private static void guard(MeterRegistry registry) {
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getTag("client_id") != null || id.getTag("client") != null))
                .meterFilter(MeterFilter.maximumAllowableTags("gateway", "code", 32, MeterFilter.deny()))
                .meterFilter(MeterFilter.maximumAllowableTags("gateway", "kind", 32, MeterFilter.deny()))
                .meterFilter(MeterFilter.maximumAllowableTags("gateway", "result", 32, MeterFilter.deny()))
                // "reason" tags many meters (closes, refusals, policy closes, errors): the budget is shared by all
                .meterFilter(MeterFilter.maximumAllowableTags("gateway", "reason", 64, MeterFilter.deny()))
                .meterFilter(MeterFilter.maximumAllowableTags("gateway", "command", 16, MeterFilter.deny()))
                .meterFilter(MeterFilter.maximumAllowableTags("gateway", "state", 8, MeterFilter.deny()))
                .meterFilter(MeterFilter.maximumAllowableTags("lettuce", "command", 64, MeterFilter.deny()))
                .meterFilter(MeterFilter.maximumAllowableTags("lettuce", "remote", 16, MeterFilter.deny()));
    }

    private static void conventions(MeterRegistry registry) {
        registry.config()
                .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        if (id.getName().equals("system.cpu.count")) {
                            return id.withName("system.cpu.available");
                        }
                        if (id.getName().startsWith("netty.") && id.getDescription() == null) {
                            return new Meter.Id(
                                    id.getName(),
                                    Tags.of(id.getTagsAsIterable()),
                                    id.getBaseUnit(),
                                    nettyDescription(id.getName()),
                                    id.getType());
                        }
                        return id;
                    }
                });
    }

    private static String nettyDescription(String name) {
        return switch (name) {
            case "netty.eventexecutor.tasks.pending" -> "Tasks waiting in the queue of a Netty event loop";
            case "netty.allocator.memory.used" -> "Memory used by Netty's buffer allocator";
            case "netty.allocator.memory.pinned" -> "Memory pinned by buffers of Netty's buffer allocator";
            default -> "Netty: " + name.substring("netty.".length()).replace('.', ' ');
        };
    }
}
