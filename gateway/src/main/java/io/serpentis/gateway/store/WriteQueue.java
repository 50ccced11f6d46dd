package io.serpentis.gateway.store;

import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The write-behind's queue of dirty records. A record is in it at most once however often it changes (it claims its
 * place with {@link ClientRecord#markQueued()} and leaves with {@link ClientRecord#takeStoreWrite()}), so the queue
 * is bounded by the number of clients.
 *
 * <p>Threading: any thread offers (the registry's listeners); the writer thread drains and gives failed writes
 * back. Lock-free.
 */
final class WriteQueue {
    private final ConcurrentLinkedQueue<ClientRecord> records = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    /**
     * Queues {@code record} unless it is queued already.
     *
     * @return the number of records queued after it, or 0 when it was queued already
     */
    int offer(ClientRecord record) {
        if (!record.markQueued()) {
            return 0;
        }
        records.add(record);
        return size.incrementAndGet();
    }

    /** Gives back a write that did not reach Redis: its fields count as changed again and the record is queued. */
    void requeue(ClientRecord record, StoreWrite write) {
        if (record.storeWriteFailed(write)) {
            records.add(record);
            size.incrementAndGet();
        }
    }

    /** Takes at most {@code max} records, oldest first. Writer thread only. */
    List<ClientRecord> drain(int max) {
        List<ClientRecord> batch = new ArrayList<>(Math.min(max, Math.max(16, size.get())));
        ClientRecord r;
        while (batch.size() < max && (r = records.poll()) != null) {
            size.decrementAndGet();
            batch.add(r);
        }
        return batch;
    }

    /** Records waiting to be written. */
    int size() {
        return size.get();
    }
}
