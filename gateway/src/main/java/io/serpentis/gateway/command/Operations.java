package io.serpentis.gateway.command;

import io.serpentis.gateway.config.OperationsConfig;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.store.RedisDeployment;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * What operators' actions are kept in, wired once: the receipts of commands, the audit trail and bulk commands,
 * kept on Redis when the gateway has it (a connection of their own), in bounded memory otherwise. {@link #close}
 * closes the connection.
 */
public final class Operations implements AutoCloseable {
    private final @Nullable RedisLink link;
    private final ReceiptStore receiptStore;
    private final CommandReceipts receipts;
    private final AuditLog auditLog;
    private final AuditTrail audit;
    private final BulkCommands bulk;

    private Operations(
            OperationsConfig config,
            ClientRegistry routing,
            @Nullable LocalClientRegistry local,
            @Nullable RedisDeployment redis,
            String nodeId,
            LongSupplier clock) {
        this.link = redis == null ? null : new RedisLink(redis);
        this.receiptStore = link == null
                ? new EmbeddedReceiptStore(config.receiptsMax())
                : new RedisReceiptStore(link, config.receiptRetention());
        this.auditLog = link == null
                ? new EmbeddedAuditLog(config.auditMaxEntries())
                : new RedisAuditLog(link, config.auditMaxEntries());
        this.audit = new AuditTrail(auditLog, nodeId, clock);
        this.receipts = new CommandReceipts(routing, receiptStore, audit, nodeId, config.ackTimeout(), clock);
        this.bulk = new BulkCommands(routing, receipts, audit);
        if (local != null) {
            local.commandObserver(receipts);
        }
    }

    /**
     * The operations of a gateway node.
     *
     * @param config how much is kept, and how long
     * @param routing the registry the HTTP routes use (in a fleet, commands routed to the client's node)
     * @param local this node's registry, told to report the commands it delivers (none: no delivery is recorded)
     * @param redis the Redis deployment, or {@code null} for memory only
     * @param nodeId this node's id
     */
    public static Operations create(
            OperationsConfig config,
            ClientRegistry routing,
            @Nullable LocalClientRegistry local,
            @Nullable RedisDeployment redis,
            String nodeId) {
        return new Operations(config, routing, local, redis, nodeId, System::currentTimeMillis);
    }

    /** The command receipts. */
    public CommandReceipts receipts() {
        return receipts;
    }

    /** Bulk commands. */
    public BulkCommands bulk() {
        return bulk;
    }

    /** The audit trail. */
    public AuditTrail audit() {
        return audit;
    }

    @Override
    public void close() {
        receiptStore.close();
        auditLog.close();
        if (link != null) {
            link.close();
        }
    }
}
