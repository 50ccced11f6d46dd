package io.serpentis.gateway.metrics;

import org.jspecify.annotations.Nullable;

/**
 * Every meter the gateway registers: name, base unit and description live here and only here (as Micrometer's
 * {@code NettyMeters}). Tags are bounded and listed with each meter; never a client id. The Prometheus names
 * (dots become underscores, the base unit and {@code _total} are appended) are listed in the README's Operations
 * section.
 */
public enum GatewayMeters {
    // ---- WebSocket connections
    /** WebSocket connections open now (handshake completed, not yet closed). */
    WS_CONNECTIONS_OPEN("gateway.ws.connections.open", null, "WebSocket connections open now"),
    /** WebSocket connections whose handshake completed. */
    WS_CONNECTIONS_OPENED("gateway.ws.connections.opened", null, "WebSocket connections opened (handshake completed)"),
    /**
     * WebSocket connections that ended, tagged {@code reason} (the disconnect reason's kind, or {@code superseded}).
     */
    WS_CONNECTIONS_CLOSED("gateway.ws.connections.closed", null, "WebSocket connections closed, by why they ended"),
    /**
     * Close frames that started a closing handshake, tagged {@code code} (the known close codes, else
     * {@code other}) and {@code initiator} ({@code gateway} or {@code client}).
     */
    WS_CLOSE_FRAMES(
            "gateway.ws.close.frames",
            null,
            "Close frames that started a closing handshake, by close code and initiator"),
    /** Takeovers: a newer connection registered a client id, and the older one was closed with 4001. */
    WS_TAKEOVERS(
            "gateway.ws.takeovers", null, "Connections replaced by a newer connection registering the same client id"),
    /** Liveness timeouts (close 4002). */
    WS_LIVENESS_TIMEOUTS(
            "gateway.ws.liveness.timeouts",
            null,
            "Connections closed because nothing arrived within the liveness timeout"),
    /** From a connection's last inbound traffic to the moment it was declared offline (liveness timeout). */
    WS_LIVENESS_DETECTION(
            "gateway.ws.liveness.detection",
            null,
            "Time from a connection's last inbound traffic to its liveness timeout"),

    // ---- messages
    /**
     * Messages received on {@code /ws}, tagged {@code kind} ({@code registration}: the connection had no client id
     * yet; {@code update}; {@code binary}) and {@code result} ({@code ok} or the error kind).
     */
    WS_MESSAGES_RECEIVED("gateway.ws.messages.received", null, "WebSocket messages received, by kind and result"),
    /** Messages refused on {@code /ws}, tagged {@code kind} (a closed set: see {@code ws.RejectKind}). */
    WS_MESSAGES_REJECTED("gateway.ws.messages.rejected", null, "WebSocket messages refused with an error frame"),
    /** Time to process one WebSocket message: parse, merge into the registry, encode the reply. */
    WS_MESSAGE_DURATION(
            "gateway.ws.message.duration", null, "Time to process one WebSocket message (parse, merge, reply)"),
    /** Operator commands written to a client, tagged {@code command} ({@code pause}, {@code resume}, ...). */
    COMMANDS_SENT("gateway.commands.sent", null, "Operator commands written to clients, by command"),

    // ---- network
    /** Bytes read from every connection (HTTP and WebSocket, as on the wire). */
    NETWORK_RECEIVED("gateway.network.received", "bytes", "Bytes received on every connection"),
    /** Bytes written to every connection. */
    NETWORK_SENT("gateway.network.sent", "bytes", "Bytes sent on every connection"),

    // ---- registry
    /**
     * Client records by {@code state}: {@code connected} to this node, {@code remote} (fleet mode: connected to
     * another node), or {@code disconnected} (kept until purged).
     */
    CLIENTS("gateway.clients", "clients", "Client records held by this node, by state"),

    // ---- Redis write-behind (registered only with --redis-url)
    /** 1 while Redis answers, 0 while it is unreachable (or not yet connected). */
    REDIS_UP("gateway.redis.up", null, "Whether Redis is reachable (1) or not (0)"),
    /** Clients with changes not yet written to Redis (the write-behind queue). */
    REDIS_DIRTY_CLIENTS("gateway.redis.dirty.clients", "clients", "Clients with changes not yet written to Redis"),
    /** Clients written per pipelined burst. */
    REDIS_BATCH_SIZE("gateway.redis.batch.size", "clients", "Clients written per pipelined Redis burst"),
    /** Time to write one pipelined burst (send, flush, await every answer). */
    REDIS_FLUSH_DURATION("gateway.redis.flush.duration", null, "Time to write one pipelined burst to Redis"),
    /** Bursts in which at least one write failed (its clients stay dirty and are written again). */
    REDIS_BURSTS_FAILED(
            "gateway.redis.bursts.failed",
            null,
            "Redis bursts with at least one failed write (those clients stay dirty)"),
    /** Full write-backs after a connection to Redis was re-established. */
    REDIS_RESYNCS("gateway.redis.resyncs", null, "Full write-backs of every record after Redis came back"),
    /** From a client's first unwritten change (acknowledged) to its write reaching Redis. */
    REDIS_WRITE_LAG(
            "gateway.redis.write.lag", null, "Time from a client's first unwritten change to its write reaching Redis"),

    // ---- fleet (registered only for a fleet member: --redis-url and --fleet)
    /** Members of the fleet as this node's member table has them, tagged {@code state}: {@code live}, {@code stale}. */
    FLEET_MEMBERS("gateway.fleet.members", null, "Fleet members in this node's member table, by state"),
    /** Time since this node last renewed its lease in Redis. */
    FLEET_HEARTBEAT_AGE("gateway.fleet.heartbeat.age", "seconds", "Time since this node last renewed its lease"),
    /**
     * Nodes declared lost, tagged {@code reason}: {@code lease_expired}, {@code left}, {@code restarted}; counted
     * once in the fleet, by the node that recorded the loss.
     */
    FLEET_NODES_LOST("gateway.fleet.nodes.lost", null, "Fleet nodes declared lost by this node, by reason"),
    /** Clients of lost nodes this node marked offline. */
    FLEET_CLIENTS_REAPED("gateway.fleet.clients.reaped", null, "Clients of lost nodes this node marked offline"),
    /** Writes Redis refused because another node owns their client now (fencing). */
    FLEET_FENCED_WRITES(
            "gateway.fleet.fenced.writes",
            null,
            "Writes refused by Redis because another node owns the client (fenced)"),
    /** Kicks: a node that claimed a client tells its previous owner to let go; tagged {@code direction}. */
    FLEET_KICKS("gateway.fleet.kicks", null, "Kicks sent to and received from other nodes, by direction"),
    /** From a lost node's last heartbeat to its clients' offline records (each client reaped). */
    FLEET_DETECTION(
            "gateway.fleet.detection", null, "Time from a lost node's last heartbeat to its clients' offline records"),
    /** Fleet channels, tagged {@code state}: {@code wanted}, or {@code confirmed} by Redis. */
    FLEET_SUBSCRIPTIONS("gateway.fleet.subscriptions", null, "Fleet channels wanted and confirmed by Redis"),
    /** Fleet subscriptions made again (a channel whose slot moved to another master, or a lost probe). */
    FLEET_RESUBSCRIBES("gateway.fleet.resubscribes", null, "Fleet subscriptions made again"),
    /** Fleet messages dropped because the bus's queue was full (their channels are resynced). */
    FLEET_MESSAGES_DROPPED(
            "gateway.fleet.messages.dropped", null, "Fleet messages dropped because the bus queue was full"),
    /** 1 while this node holds no lease (cut off from Redis for the isolation delay), else 0. */
    FLEET_ISOLATED("gateway.fleet.isolated", null, "Whether this node is cut off from Redis (1) or not (0)"),

    // ---- fleet view (registered only for a fleet member)
    /**
     * Peers whose clients this node read again from Redis, tagged {@code reason}: {@code new_peer},
     * {@code subscribed} (a subscription made again), {@code seq_gap}, {@code incarnation}, {@code feed_seq} (the
     * peer's heartbeat reports messages that never came), {@code silent} (no message for three heartbeats),
     * {@code overflow} (messages dropped on a full queue).
     */
    FLEET_RESYNCS("gateway.fleet.resyncs", null, "Peers whose clients this node read again from Redis, by reason"),
    /** Feed messages, tagged {@code direction}: {@code published} by this node, {@code received} from peers. */
    FLEET_FEED_MESSAGES(
            "gateway.fleet.feed.messages", null, "Fleet feed messages published and received, by direction"),
    /** Bytes of feed messages, tagged {@code direction}. */
    FLEET_FEED_BYTES("gateway.fleet.feed.bytes", "bytes", "Bytes of fleet feed messages, by direction"),
    /** Client records in feed messages, tagged {@code direction}. */
    FLEET_FEED_RECORDS(
            "gateway.fleet.feed.records", null, "Client records carried by fleet feed messages, by direction"),
    /** From a peer's publish of a feed message to this node's view holding it (wall clocks of both nodes). */
    FLEET_VIEW_LAG(
            "gateway.fleet.view.lag", null, "Time from a peer's publish of a feed message to this node applying it"),
    /**
     * Commands for clients held by another node, tagged {@code result}: {@code sent}, {@code not_connected},
     * {@code unknown_client}, {@code send_failed}, {@code no_answer} (the owner did not answer in time).
     */
    FLEET_COMMANDS("gateway.fleet.commands", null, "Commands sent to clients held by other nodes, by result"),
    /** From a cross-node command's request to its owner's answer (the frame written at the client's node). */
    FLEET_COMMAND_DURATION(
            "gateway.fleet.command", null, "Time from a cross-node command's request to the owner's answer"),
    /** Commands other nodes asked this node to deliver to its clients. */
    FLEET_COMMANDS_SERVED(
            "gateway.fleet.commands.served", null, "Commands this node delivered for other nodes, by result"),

    // ---- dashboard feed
    /** Dashboard viewers connected to the live feed (gauge). */
    DASHBOARD_VIEWERS("gateway.dashboard.viewers", null, "Dashboard viewers connected to the live feed"),
    /** Deltas the feed encoded (once each, whatever the number of viewers). */
    DASHBOARD_DELTAS_ENCODED("gateway.dashboard.deltas.encoded", null, "Dashboard deltas encoded"),
    /** Client entries (changed or removed) in the encoded deltas. */
    DASHBOARD_DELTA_CLIENTS("gateway.dashboard.delta.clients", null, "Clients carried by encoded dashboard deltas"),
    /** Deltas written to viewers (one per viewer per delta). */
    DASHBOARD_DELTAS_SENT("gateway.dashboard.deltas.sent", null, "Dashboard deltas written to viewers"),
    /** Deliveries skipped because the viewer's connection was not writable. */
    DASHBOARD_DELTAS_SKIPPED(
            "gateway.dashboard.deltas.skipped",
            null,
            "Dashboard deliveries skipped because the viewer was not reading"),
    /** Snapshots written to viewers, tagged {@code reason}: {@code connect}, {@code requested}, {@code resync}. */
    DASHBOARD_SNAPSHOTS_SENT("gateway.dashboard.snapshots.sent", null, "Dashboard snapshots written to viewers"),
    /** Snapshots the feed encoded (once each, shared by the viewers that needed one). */
    DASHBOARD_SNAPSHOTS_ENCODED("gateway.dashboard.snapshots.encoded", null, "Dashboard snapshots encoded"),
    /** Skipped viewers brought back in sync, tagged {@code via}: {@code history} or {@code snapshot}. */
    DASHBOARD_VIEWERS_RESYNCED(
            "gateway.dashboard.viewers.resynced", null, "Skipped dashboard viewers brought back in sync"),
    /** Viewers closed by the feed, tagged {@code reason}: {@code slow} (4003) or {@code limit} (1013). */
    DASHBOARD_VIEWERS_DROPPED("gateway.dashboard.viewers.dropped", null, "Dashboard viewers closed by the feed"),
    /** Time the feed thread spends per tick (drain, encode, hand-off): its CPU share is the rate of this sum. */
    DASHBOARD_TICK("gateway.dashboard.tick", "seconds", "Time the dashboard feed spends per tick"),

    // ---- security
    /**
     * Requests, upgrades and sockets refused by the access and abuse defences, tagged {@code reason} (a closed set:
     * see {@code security.RefusalReason}).
     */
    SECURITY_REFUSALS(
            "gateway.security.refusals",
            null,
            "Requests, upgrades and sockets refused by the access and abuse defences, by reason"),
    /**
     * WebSocket connections the gateway closed for breaking a policy (close 1008), tagged {@code reason} (see
     * {@code ws.PolicyClose}).
     */
    WS_POLICY_CLOSES(
            "gateway.ws.policy.closes",
            null,
            "WebSocket connections closed for breaking a policy (rate limit, slow consumer, token), by reason"),

    // ---- errors
    /**
     * Errors on HTTP connections (before any upgrade), tagged {@code reason} (see
     * {@link ConnectionMetrics.HttpConnectionError}): expected peer behaviour, logged at DEBUG, and the unexpected
     * rest, logged at WARN.
     */
    HTTP_CONNECTION_ERRORS(
            "gateway.http.connection.errors",
            null,
            "Errors on HTTP connections: requests cut short, resets, and unexpected failures, by reason"),
    /**
     * Failed attempts to accept a socket on a listening port, tagged {@code reason} (see
     * {@link ConnectionMetrics.AcceptError}); accepting pauses for a second after each.
     */
    ACCEPT_ERRORS(
            "gateway.accept.errors",
            null,
            "Failed attempts to accept a connection (file descriptor limit, kernel memory), by reason");

    private final String meterName;
    private final @Nullable String baseUnit;
    private final String description;

    GatewayMeters(String meterName, @Nullable String baseUnit, String description) {
        this.meterName = meterName;
        this.baseUnit = baseUnit;
        this.description = description;
    }

    public String meterName() {
        return meterName;
    }

    public @Nullable String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }
}
