#!/bin/sh
# vipkeeper container entrypoint (under tini). `exec` makes the JVM the process tini signals: on SIGTERM the JVM's
# shutdown hook stops keepalived, removes the VIPs and the nftables table, then exits (terminationGracePeriodSeconds
# must cover it; the agent waits at most 15 s).
set -eu
java="${VIPKEEPER_JAVA:-${JAVA_HOME:-/opt/java/openjdk}/bin/java}"
jar="${VIPKEEPER_JAR:-/opt/vipkeeper/vipkeeper.jar}"
# the launcher's small footprint unless overridden (the agent runs on every node)
opts="${VIPKEEPER_JAVA_OPTS:--XX:+UseSerialGC -Xms16m -Xmx192m -XX:MaxNewSize=12m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps -XX:MaxMetaspaceSize=96m -Xss512k -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
# shellcheck disable=SC2086 # opts is a list of JVM flags
exec "$java" $opts -jar "$jar" "$@"
