package io.serpentis.gateway.bench;

import java.util.NoSuchElementException;

/**
 * A FIFO of {@code long}s (time stamps of messages in flight, acknowledged in order), growing by doubling. Not
 * thread-safe: one client's ring is only touched on that client's event loop. The caller bounds its size.
 */
final class LongRing {
    private long[] values;
    private int head;
    private int size;

    LongRing(int initialCapacity) {
        int c = Integer.highestOneBit(Math.max(2, initialCapacity - 1)) << 1;
        values = new long[c];
    }

    void add(long v) {
        if (size == values.length) {
            long[] grown = new long[values.length << 1];
            for (int i = 0; i < size; i++) {
                grown[i] = values[(head + i) & (values.length - 1)];
            }
            values = grown;
            head = 0;
        }
        values[(head + size) & (values.length - 1)] = v;
        size++;
    }

    long poll() {
        if (size == 0) {
            throw new NoSuchElementException();
        }
        long v = values[head];
        head = (head + 1) & (values.length - 1);
        size--;
        return v;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        head = 0;
        size = 0;
    }
}
