/** Benchmarks of the gateway: JMH suites live in the packages of the code they measure; filled by issue 4. */
package io.serpentis.gateway.bench;
