# ingestbench: the harness, the workers and the tools, built as the README's
# "Build by hand" builds them (scripts/deps.sh, then CMake), from the source
# tree docker/build.sh stages as the context (the tracked files, no caches).
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /opt/ingestbench
COPY . /opt/ingestbench
RUN scripts/deps.sh \
 && cmake -S . -B build -DIB_WERROR=ON >/dev/null \
 && cmake --build build -j"$(nproc)" \
 && rm -rf /var/lib/apt/lists/* /root/.m2
ENV PATH=/opt/ingestbench/build:$PATH
ENTRYPOINT ["/opt/ingestbench/build/ingestbench"]
CMD ["--help"]
