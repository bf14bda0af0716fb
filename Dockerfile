# Multi-stage build of a static paperbot binary, run as a non-root user with
# the data directory (index and state) on a volume.
#
#   docker build -t paperbot \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" .
#
# VERSION and REVISION are what `paperbot version` prints (the build context
# has no .git, so go build cannot record them itself); without them it
# prints (devel).
#   docker run --stop-timeout 30 -v paperbot-data:/data \
#     -v $PWD/paperbot.yaml:/etc/paperbot/paperbot.yaml:ro \
#     -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -p 8080:8080 paperbot
#
# --stop-timeout 30: SIGTERM lets replies in flight finish for up to
# http.shutdown_timeout (25s); Docker's own 10 s would cut them. The base
# images are named by tag (Go 1.26's latest patch release, distroless
# static); to rebuild the same image later, pin each FROM to its digest
# (FROM golang:1.26-bookworm@sha256:...). There is no HEALTHCHECK: the
# runtime image has no shell or HTTP client to run one; probe /healthz
# from outside (readiness: README, Running and deploying).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# zap, the segment format, is built from the copy in third_party (go.mod's
# replace; third_party/zapx/README.paperbot.md says why and what changed).
COPY third_party/ third_party/
RUN go mod download
COPY . .
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X main.buildVersion=${VERSION} -X main.buildRevision=${REVISION}" \
      -o /out/paperbot ./cmd/paperbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/paperbot /usr/local/bin/paperbot
COPY --from=build --chown=65532:65532 /out/data /data
ENV PAPERBOT_DATA_DIR=/data \
    PAPERBOT_CONFIG=/etc/paperbot/paperbot.yaml
VOLUME ["/data"]
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/paperbot"]
CMD ["serve"]
