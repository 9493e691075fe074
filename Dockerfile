# syntax=docker/dockerfile:1
# One image per service, from one multi-stage build:
#   docker build --build-arg MODULE=serving-api -t feature-store/serving-api .
# The build stage is the same for every service, so Docker builds it once and reuses it.

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first: this layer stays cached until a pom changes.
COPY pom.xml .
COPY feature-store-core/pom.xml feature-store-core/
COPY local-infra/pom.xml local-infra/
COPY cli-support/pom.xml cli-support/
COPY events/pom.xml events/
COPY population/pom.xml population/
COPY event-simulator/pom.xml event-simulator/
COPY stream-processor/pom.xml stream-processor/
COPY materializer/pom.xml materializer/
COPY serving-api/pom.xml serving-api/
COPY benchmarks/pom.xml benchmarks/
COPY e2e-tests/pom.xml e2e-tests/
RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline -DexcludeReactor=true || true
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q package -DskipTests -DskipITs

FROM eclipse-temurin:17.0.15_6-jre-jammy AS service
ARG MODULE
# curl for the compose healthchecks; a non-root user to run the service.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
 && mkdir -p /app/state && chown -R app /app
WORKDIR /app
COPY --from=build /src/${MODULE}/target/${MODULE}.jar /app/service.jar
USER app
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "/app/service.jar"]
