# kconnect container image: build on Debian 12, run on Debian 12 slim with the binary and the
# shared libraries it links (found by ldd), as a non-root user.
#
#   docker build -t kconnect .
#   docker run --rm -p 8083:8083 -e CONNECT_BOOTSTRAP_SERVERS=broker:9092 -e CONNECT_GROUP_ID=connect \
#     -e CONNECT_CONFIG_STORAGE_TOPIC=connect-configs -e CONNECT_OFFSET_STORAGE_TOPIC=connect-offsets \
#     -e CONNECT_STATUS_STORAGE_TOPIC=connect-status -e CONNECT_REST_ADVERTISED_HOST_NAME=kconnect \
#     -e CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter \
#     -e CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter kconnect
#
# Every CONNECT_<NAME> variable becomes worker key <name> (lower case, _ -> ., __ -> _, ___ -> -),
# as in Confluent's cp-kafka-connect image; with no worker file kconnect reads them itself. Give a
# worker file instead with: docker run ... kconnect distributed /config/worker.properties
FROM debian:bookworm AS build
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential cmake pkg-config ca-certificates libuv1-dev librdkafka-dev libcurl4-openssl-dev \
      libjansson-dev libssl-dev zlib1g-dev libavro-dev libsnappy-dev libpcre2-dev node-llhttp \
    && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt /src/
COPY include /src/include
COPY src /src/src
COPY connectors /src/connectors
COPY etc /src/etc
COPY test /src/test
COPY tools/image-rootfs /src/tools/
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release \
    && cmake --build /build -j"$(nproc)" --target kconnect \
    && /src/tools/image-rootfs /build /out

FROM debian:bookworm-slim
COPY --from=build /out/ /
RUN useradd --system --uid 10001 --home-dir /var/lib/kconnect --create-home kconnect
USER 10001
WORKDIR /var/lib/kconnect
EXPOSE 8083
# Probe GET /health on the REST port (etc/k8s/distributed.yaml): the image carries no HTTP client.
ENTRYPOINT ["/usr/bin/kconnect"]
CMD ["distributed"]
