/** Small helpers shared by the gateway's packages; not an API. */
@NullMarked
package io.serpentis.gateway.internal;

import org.jspecify.annotations.NullMarked;
