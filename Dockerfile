# syntax=docker/dockerfile:1
# The gateway's image: a Maven build stage, then a JRE-only runtime that runs the jar as a non-root user.
#   docker build -t serpentis-gateway .
#   docker run -p 8000:8000 serpentis-gateway                     (the gateway, on 0.0.0.0:8000)
#   docker run serpentis-gateway simulate --url ws://host:8000/ws (simulated clients)

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# .mvn/jvm.config opens javac's internals to Error Prone, which runs in every compile.
COPY .mvn .mvn/
COPY pom.xml ./
COPY web/pom.xml web/
COPY gateway/pom.xml gateway/
COPY benchmarks/pom.xml benchmarks/
COPY web/src web/src
COPY gateway/src gateway/src
# Tests run in CI (mvn verify); the image build only packages. The cache mount keeps ~/.m2 between builds.
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -pl gateway -am -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 serpentis \
    && useradd --system --uid 10001 --gid serpentis --home-dir /app --shell /usr/sbin/nologin serpentis
WORKDIR /app
COPY --from=build /src/gateway/target/serpentis-gateway.jar /app/serpentis-gateway.jar
USER serpentis:serpentis
# Listen on every interface inside the container; the gateway's other settings come from GATEWAY_* variables.
ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000
# GET /livez through the jar itself (the JRE image has no curl): exit 0 on 200.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["java", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", "/app/serpentis-gateway.jar", "healthcheck"]
# JVM flags here rather than in JAVA_TOOL_OPTIONS, whose "Picked up" notice would break one-JSON-object-per-line logs.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/serpentis-gateway.jar"]
