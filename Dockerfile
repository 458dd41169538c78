# The cutover worker image, built from this repository alone:
#   docker build -t cutover-worker .
#   docker run -e TEMPORAL_ADDRESS=temporal:7233 cutover-worker
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY pom.xml ./
COPY plan/pom.xml plan/
COPY demo-target/pom.xml demo-target/
COPY workflows/pom.xml workflows/
COPY activities/pom.xml activities/
COPY worker/pom.xml worker/
COPY starter/pom.xml starter/
COPY benchmarks/pom.xml benchmarks/
RUN mvn -q -B -ntp -Dmaven.test.skip=true -pl starter -am dependency:go-offline || true
COPY . .
RUN mvn -q -B -ntp -Dmaven.test.skip=true -pl starter -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 cutover
COPY --from=build /src/starter/target/cutover.jar /app/cutover.jar
COPY --from=build /src/examples /app/examples
USER cutover
ENV TEMPORAL_ADDRESS=temporal:7233 \
    TEMPORAL_NAMESPACE=default \
    CUTOVER_TASK_QUEUE=cutover \
    CUTOVER_HEALTH_PORT=8090
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${CUTOVER_HEALTH_PORT} && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/cutover.jar"]
CMD ["worker"]
