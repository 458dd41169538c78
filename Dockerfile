# The cutover worker image, built from this repository alone:
#   docker build -t cutover-worker .
#   docker run -e TEMPORAL_ADDRESS=temporal:7233 cutover-worker
# It holds the worker's own jar (worker/, main class dev.cutover.worker.WorkerMain) and a JRE:
# not the CLI, its in-process test server or the demo service.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# The Maven wrapper (the pinned Maven) and the poms first, so a source change does not download
# the dependencies again. .mvn/jvm.config opens the compiler to Error Prone.
COPY mvnw ./
COPY .mvn .mvn
COPY pom.xml ./
COPY plan/pom.xml plan/
COPY test-support/pom.xml test-support/
COPY demo-target/pom.xml demo-target/
COPY workflows/pom.xml workflows/
COPY activities/pom.xml activities/
COPY ledger/pom.xml ledger/
COPY worker/pom.xml worker/
COPY starter/pom.xml starter/
COPY benchmarks/pom.xml benchmarks/
RUN ./mvnw -q -B -ntp -Dmaven.test.skip=true -pl worker -am dependency:go-offline || true
COPY . .
RUN ./mvnw -q -B -ntp -Dmaven.test.skip=true -pl worker -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 cutover
COPY --from=build /src/worker/target/cutover-worker.jar /app/cutover-worker.jar
USER cutover
ENV TEMPORAL_ADDRESS=temporal:7233 \
    TEMPORAL_NAMESPACE=default \
    CUTOVER_TASK_QUEUE=cutover \
    CUTOVER_HEALTH_PORT=8090
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${CUTOVER_HEALTH_PORT} && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/cutover-worker.jar"]
