/** The one place where the per-connection pipeline is assembled. */
@NullMarked
package io.serpentis.gateway.pipeline;

import org.jspecify.annotations.NullMarked;
