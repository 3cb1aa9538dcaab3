# Periscope: one static binary and its first-party plugins on distroless.
#   docker build -t periscope .
#   docker run -p 8000:8000 -e API_SECRET_KEY_ADMIN=$(openssl rand -hex 32) -v periscope-data:/data periscope
# The image runs as the distroless "nonroot" user (uid 65532); /data holds the
# SQLite database and the spool. compose.yaml runs two nodes on Postgres.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/periscope ./core/cmd/periscope \
 && for p in webhook slack email; do \
      go build -trimpath -ldflags="-s -w" -o /out/periscope-plugin-$p ./plugins/$p || exit 1; \
    done \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/periscope /out/periscope-plugin-webhook /out/periscope-plugin-slack /out/periscope-plugin-email /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/data /data
COPY config.yaml /etc/periscope/config.yaml
ENV PERISCOPE_CONFIG=/etc/periscope/config.yaml \
    PERISCOPE_SQLITE_PATH=/data/periscope.db \
    PERISCOPE_PLUGIN_DIR=/usr/local/bin \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /data
VOLUME /data
USER 65532:65532
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=6s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/periscope", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/periscope"]
CMD ["serve"]
