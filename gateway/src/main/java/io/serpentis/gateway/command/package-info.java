/**
 * What operators do and what became of it (issue 15 points 1, 2 and 4): command receipts that follow each command
 * from {@code sent} to {@code delivered} and {@code acknowledged} (or {@code failed}, with a reason), the audit trail
 * of operator actions, and bulk commands on the clients a filter selects. Each keeps its state in Redis when Redis is
 * configured, so any node of a fleet answers for any command, and in bounded memory otherwise. The HTTP routes that
 * serve them live in the {@code http} package; this one knows no Netty type.
 */
@NullMarked
package io.serpentis.gateway.command;

import org.jspecify.annotations.NullMarked;
