# The OOCSI server with its web side: TCP line protocol on 4444, HTTP and
# websocket on 9000. Build and run:
#   docker build -t pyoocsi .
#   docker run -p 4444:4444 -p 9000:9000 pyoocsi
# Settings are OOCSI_<NAME> variables (docs/server.md), e.g. -e OOCSI_NOTICE=...
# Held and retained messages survive restarts with a volume on /data and
#   -e OOCSI_STATE_DIR=/data -v oocsi-state:/data
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY pyoocsi ./pyoocsi
RUN pip install . \
    && useradd --system --no-create-home --shell /usr/sbin/nologin oocsi \
    && mkdir /data \
    && chown oocsi /data

# the server needs no root: both ports are above 1024
USER oocsi
WORKDIR /data
EXPOSE 4444 9000
CMD ["oocsi", "serve"]
