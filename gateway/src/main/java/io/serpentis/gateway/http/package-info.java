/**
 * The HTTP side: one routing handler over plain route objects (dashboard assets, health, listings, operator
 * commands, the OpenAPI document).
 */
@NullMarked
package io.serpentis.gateway.http;

import org.jspecify.annotations.NullMarked;
